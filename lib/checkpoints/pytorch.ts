/**
 * Reader for PyTorch checkpoints written by `torch.save` (the ZIP format of PyTorch >= 1.6):
 * `<archive>/data.pkl` is a pickle whose tensors point through persistent ids at raw
 * little-endian storages `<archive>/data/<key>`. Only the globals a state dict needs are
 * accepted (see {@link TORCH_ALLOWED_GLOBALS}); nothing in the file is executed.
 */
import * as fs from "fs";
import { PickleDict, PickleGlobal, PickleKey, PickleValue, unpickle } from "./pickle";
import {
  CheckpointDtype,
  CheckpointTensor,
  DTYPE_WIDTH,
  TensorData,
  TensorMap,
  decodeElements,
  formatShape,
  shapeSize,
} from "./tensor";
import { ZipArchive } from "./zip";

const STORAGE_DTYPES: Record<string, Exclude<CheckpointDtype, "string">> = {
  FloatStorage: "float32",
  DoubleStorage: "float64",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
};

const REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
const REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
const ORDERED_DICT = "collections.OrderedDict";

/** Globals a state-dict pickle may reference; anything else is rejected. */
export const TORCH_ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  ORDERED_DICT,
  REBUILD_TENSOR,
  REBUILD_PARAMETER,
  ...Object.keys(STORAGE_DTYPES).map((name) => `torch.${name}`),
]);

/** A decoded checkpoint object: nested dicts and lists with tensors at the leaves. */
export type TorchValue =
  | PickleKey
  | Uint8Array
  | TorchValue[]
  | Map<PickleKey, TorchValue>
  | CheckpointTensor;

class StorageRef {
  readonly kind = "storage";
  constructor(
    readonly key: string,
    readonly dtype: Exclude<CheckpointDtype, "string">,
    readonly numel: number,
  ) {}
}

class TensorRef {
  readonly kind = "tensor";
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Returns true when `value` is a tensor leaf of a {@link TorchValue} tree. */
export function isCheckpointTensor(value: unknown): value is CheckpointTensor {
  return (
    typeof value === "object" &&
    value !== null &&
    "dtype" in value &&
    "shape" in value &&
    "data" in value
  );
}

/**
 * Reads a `torch.save` file and returns its object tree with every tensor materialized as a
 * contiguous {@link CheckpointTensor} (strided views and storage offsets are resolved; tensors
 * sharing a storage get separate copies). Throws naming the file for truncated or corrupt
 * archives, the legacy pre-1.6 format, forbidden globals or opcodes, and out-of-range views.
 */
export function readTorchCheckpoint(file: string): TorchValue {
  return decodeTorchCheckpoint(fs.readFileSync(file), file);
}

/** Same as {@link readTorchCheckpoint} on bytes already in memory; `source` names them in errors. */
export function decodeTorchCheckpoint(bytes: Uint8Array, source: string): TorchValue {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 0x05) {
    throw new Error(
      `${source}: this is the legacy (pre-1.6) torch.save format, which is not supported. ` +
        "Re-save it with torch.save(torch.load(path), path) in PyTorch >= 1.6.",
    );
  }
  const archive = new ZipArchive(bytes, source);
  const pickles = archive.names().filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    throw new Error(
      `${source}: expected exactly one "<archive>/data.pkl" entry, found ${pickles.length}; ` +
        "this is not a torch.save checkpoint.",
    );
  }
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  const byteOrder = `${prefix}byteorder`;
  if (archive.has(byteOrder)) {
    const order = Buffer.from(archive.read(byteOrder)).toString("latin1").trim();
    if (order !== "little") throw new Error(`${source}: byte order "${order}" is not supported.`);
  }

  const root = unpickle(
    archive.read(pickles[0]),
    {
      allowedGlobals: TORCH_ALLOWED_GLOBALS,
      reduce: reduceTorchGlobal,
      persistentLoad: (id) => loadStorageRef(id, source),
    },
    `${source}: ${pickles[0]}`,
  );

  const storages = new Map<string, Exclude<TensorData, Uint8Array[]>>();
  const readStorage = (ref: StorageRef): Exclude<TensorData, Uint8Array[]> => {
    let data = storages.get(ref.key);
    if (!data) {
      const entry = `${prefix}data/${ref.key}`;
      if (!archive.has(entry)) throw new Error(`${source}: storage entry "${entry}" is missing.`);
      const raw = archive.read(entry);
      if (raw.length < ref.numel * DTYPE_WIDTH[ref.dtype]) {
        throw new Error(
          `${source}: storage "${entry}" has ${raw.length} bytes but ${ref.numel} ${ref.dtype} ` +
            "elements were declared; the file is truncated or corrupt.",
        );
      }
      data = decodeElements(ref.dtype, raw, ref.numel);
      storages.set(ref.key, data);
    }
    return data;
  };
  return convertTree(root, (ref, path) => materialize(ref, readStorage(ref.storage), `${source}: ${path}`), "");
}

/**
 * Reads the tensors of a state dict from a `torch.save` file. `key` selects a nested dict (for
 * example "model" for `{'model': state_dict}`). Without it, a root whose values are all tensors
 * is used as is, else the single entry among "model", "state_dict" and "model_state" that is a
 * dict. Tensors in nested dicts are named by their dotted path. Throws when the selected entry
 * is missing or contains no tensors.
 */
export function readTorchStateDict(file: string, key?: string): TensorMap {
  return stateDictFromTree(readTorchCheckpoint(file), file, key);
}

/** Selects and flattens a state dict from an already decoded checkpoint tree (see above). */
export function stateDictFromTree(root: TorchValue, source: string, key?: string): TensorMap {
  if (!(root instanceof Map)) throw new Error(`${source}: the checkpoint root is not a dict.`);
  let selected: TorchValue = root;
  if (key !== undefined) {
    if (!root.has(key)) {
      throw new Error(
        `${source}: entry "${key}" not found; the checkpoint has ${describeKeys(root)}.`,
      );
    }
    selected = root.get(key) as TorchValue;
  } else if (![...root.values()].every(isCheckpointTensor)) {
    const candidates = ["model", "state_dict", "model_state"].filter((name) => root.get(name) instanceof Map);
    if (candidates.length === 1) selected = root.get(candidates[0]) as TorchValue;
  }
  const tensors: TensorMap = new Map();
  flattenTensors(selected, "", tensors);
  if (tensors.size === 0) {
    throw new Error(`${source}: no tensors found${key ? ` under "${key}"` : ""}.`);
  }
  return tensors;
}

function describeKeys(dict: Map<PickleKey, TorchValue>): string {
  const keys = [...dict.keys()].map(String);
  return keys.length ? `keys ${keys.slice(0, 10).join(", ")}${keys.length > 10 ? ", ..." : ""}` : "no keys";
}

function flattenTensors(value: TorchValue, path: string, out: TensorMap): void {
  if (isCheckpointTensor(value)) {
    out.set(path, value);
  } else if (value instanceof Map) {
    for (const [key, child] of value) flattenTensors(child, path ? `${path}.${String(key)}` : String(key), out);
  } else if (Array.isArray(value)) {
    value.forEach((child, i) => flattenTensors(child, path ? `${path}.${i}` : String(i), out));
  }
}

function reduceTorchGlobal(callable: PickleGlobal, args: PickleValue[]): PickleValue {
  switch (callable.qualifiedName) {
    case ORDERED_DICT: {
      if (args.length !== 0) throw new Error("OrderedDict(...) with arguments is not supported.");
      return new PickleDict();
    }
    case REBUILD_TENSOR:
      return rebuildTensor(args);
    case REBUILD_PARAMETER: {
      // _rebuild_parameter(data, requires_grad, backward_hooks): the parameter is its data.
      if (!(args[0] instanceof TensorRef)) throw new Error("_rebuild_parameter without a tensor.");
      return args[0];
    }
    default:
      throw new Error(`${callable.qualifiedName} cannot be called; it is only a type marker.`);
  }
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]). */
function rebuildTensor(args: PickleValue[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error("_rebuild_tensor_v2: argument 0 is not a storage.");
  const shape = asIntegerList(size, "size");
  const strides = asIntegerList(stride, "stride");
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new Error(`_rebuild_tensor_v2: invalid storage offset ${String(offset)}.`);
  }
  if (shape.length !== strides.length) {
    throw new Error(`_rebuild_tensor_v2: size ${formatShape(shape)} and stride ${formatShape(strides)} differ in rank.`);
  }
  return new TensorRef(storage, offset, shape, strides);
}

function asIntegerList(value: PickleValue, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0)) {
    throw new Error(`_rebuild_tensor_v2: ${what} is not a tuple of non-negative integers.`);
  }
  return value as number[];
}

/** persistent_id of a storage: ('storage', storage_type, key, location, numel). */
function loadStorageRef(id: PickleValue, source: string): StorageRef {
  if (!Array.isArray(id) || id.length !== 5 || id[0] !== "storage") {
    throw new Error(`${source}: unsupported persistent id; only ('storage', ...) tuples are allowed.`);
  }
  const [, type, key, , numel] = id;
  if (!(type instanceof PickleGlobal) || !(type.name in STORAGE_DTYPES)) {
    throw new Error(`${source}: persistent id names an unsupported storage type.`);
  }
  if (typeof key !== "string" || !/^[A-Za-z0-9_]+$/.test(key)) {
    throw new Error(`${source}: invalid storage key ${JSON.stringify(key)}.`);
  }
  if (typeof numel !== "number" || !Number.isInteger(numel) || numel < 0) {
    throw new Error(`${source}: invalid storage size ${String(numel)} for storage "${key}".`);
  }
  return new StorageRef(key, STORAGE_DTYPES[type.name], numel);
}

function convertTree(
  value: PickleValue,
  toTensor: (ref: TensorRef, path: string) => CheckpointTensor,
  path: string,
): TorchValue {
  if (value instanceof TensorRef) return toTensor(value, path || "<root>");
  if (value instanceof PickleDict) {
    const out = new Map<PickleKey, TorchValue>();
    for (const [key, child] of value.items) {
      out.set(key, convertTree(child, toTensor, path ? `${path}.${String(key)}` : String(key)));
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((child, i) => convertTree(child, toTensor, `${path}[${i}]`));
  if (value instanceof PickleGlobal || value instanceof StorageRef) {
    throw new Error(`${path}: a bare ${value instanceof StorageRef ? "storage" : value.qualifiedName} is not supported.`);
  }
  return value as TorchValue;
}

/** Copies the strided view `ref` of `storage` into a contiguous row-major tensor. */
function materialize(ref: TensorRef, storage: Exclude<TensorData, Uint8Array[]>, where: string): CheckpointTensor {
  const { shape, stride, storageOffset } = ref;
  const count = shapeSize(shape);
  let last = storageOffset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) last += (shape[d] - 1) * stride[d];
  if (count > 0 && last >= ref.storage.numel) {
    throw new Error(
      `${where}: view (offset ${storageOffset}, size ${formatShape(shape)}, stride ` +
        `${formatShape(stride)}) reaches element ${last} of a ${ref.storage.numel}-element storage.`,
    );
  }

  const out = new (storage.constructor as { new (n: number): Exclude<TensorData, Uint8Array[]> })(count);
  if (isContiguous(shape, stride)) {
    (out as Float32Array).set((storage as Float32Array).subarray(storageOffset, storageOffset + count));
  } else {
    // Walk the output in row-major order with an odometer over the indices.
    const rank = shape.length;
    const index = new Array<number>(rank).fill(0);
    let source = storageOffset;
    for (let i = 0; i < count; i++) {
      (out as Float32Array)[i] = (storage as Float32Array)[source];
      for (let d = rank - 1; d >= 0; d--) {
        index[d]++;
        source += stride[d];
        if (index[d] < shape[d]) break;
        source -= index[d] * stride[d];
        index[d] = 0;
      }
    }
  }
  return { dtype: ref.storage.dtype, shape: [...shape], data: out };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
