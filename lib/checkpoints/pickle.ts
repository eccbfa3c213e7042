/**
 * Restricted Python unpickler for the data opcodes of pickle protocols 0-4 (`torch.save` writes
 * protocol 2). It never executes anything. GLOBAL and STACK_GLOBAL resolve only names in the
 * caller's allowlist, and REDUCE and BUILD call only the caller's handlers for those names.
 * Every other global or opcode (INST, OBJ, NEWOBJ, EXT*, text PERSID, ...) is rejected with an
 * error that names it.
 */

/** A Python dict (or OrderedDict). Keys are restricted to str, int, float, bool and None. */
export class PickleDict {
  readonly items = new Map<PickleKey, PickleValue>();
  /** State applied by BUILD, e.g. the `_metadata` attribute of a torch state dict. */
  state: PickleValue | undefined;
}

/** A name resolved by GLOBAL, such as `collections.OrderedDict`. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export type PickleKey = string | number | bigint | boolean | null;

/** Values an allowed pickle can produce. Tuples and lists are both JS arrays. */
export type PickleValue =
  | PickleKey
  | Uint8Array
  | PickleValue[]
  | PickleDict
  | PickleGlobal
  | { readonly kind: string };

/** Hooks that give meaning to allowed globals and persistent ids. */
export interface UnpickleHooks {
  /** Fully qualified names (`module.name`) that GLOBAL may resolve. */
  allowedGlobals: ReadonlySet<string>;
  /** Applies an allowed global to its REDUCE arguments. */
  reduce(callable: PickleGlobal, args: PickleValue[]): PickleValue;
  /** Resolves a BINPERSID id; omit to reject persistent ids. */
  persistentLoad?(id: PickleValue): PickleValue;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: "MARK",
  0x2e: "STOP",
  0x30: "POP",
  0x31: "POP_MARK",
  0x32: "DUP",
  0x46: "FLOAT",
  0x49: "INT",
  0x4a: "BININT",
  0x4b: "BININT1",
  0x4c: "LONG",
  0x4d: "BININT2",
  0x4e: "NONE",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x52: "REDUCE",
  0x53: "STRING",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x56: "UNICODE",
  0x58: "BINUNICODE",
  0x61: "APPEND",
  0x62: "BUILD",
  0x63: "GLOBAL",
  0x64: "DICT",
  0x7d: "EMPTY_DICT",
  0x65: "APPENDS",
  0x67: "GET",
  0x68: "BINGET",
  0x69: "INST",
  0x6a: "LONG_BINGET",
  0x6c: "LIST",
  0x5d: "EMPTY_LIST",
  0x6f: "OBJ",
  0x70: "PUT",
  0x71: "BINPUT",
  0x72: "LONG_BINPUT",
  0x73: "SETITEM",
  0x74: "TUPLE",
  0x29: "EMPTY_TUPLE",
  0x75: "SETITEMS",
  0x47: "BINFLOAT",
  0x80: "PROTO",
  0x81: "NEWOBJ",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x85: "TUPLE1",
  0x86: "TUPLE2",
  0x87: "TUPLE3",
  0x88: "NEWTRUE",
  0x89: "NEWFALSE",
  0x8a: "LONG1",
  0x8b: "LONG4",
  0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES",
  0x8c: "SHORT_BINUNICODE",
  0x8d: "BINUNICODE8",
  0x8e: "BINBYTES8",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x92: "NEWOBJ_EX",
  0x93: "STACK_GLOBAL",
  0x94: "MEMOIZE",
  0x95: "FRAME",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

/**
 * Unpickles `bytes` under `hooks`. `source` names the pickle in error messages. Throws on any
 * opcode or global outside the allowed set, on truncated input and on malformed structure.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, source = "pickle"): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  const fail = (message: string): never => {
    throw new Error(`${source}: ${message} (at byte ${pos}).`);
  };
  const need = (count: number): void => {
    if (pos + count > bytes.length) fail(`truncated pickle: ${count} more bytes expected`);
  };
  const readBytes = (count: number): Uint8Array => {
    need(count);
    const out = bytes.subarray(pos, pos + count);
    pos += count;
    return out;
  };
  const readUint8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const readUint16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const readUint32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const readLength64 = (): number => {
    need(8);
    pos += 8;
    const value = view.getBigUint64(pos - 8, true);
    if (value > BigInt(bytes.length)) fail(`length ${value} exceeds the pickle size`);
    return Number(value);
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated pickle: newline expected");
    const text = Buffer.from(bytes.subarray(pos, end)).toString("latin1");
    pos = end + 1;
    return text;
  };
  const utf8 = (raw: Uint8Array): string => Buffer.from(raw).toString("utf8");

  const pop = (): PickleValue => {
    if (stack.length === 0) fail("stack underflow");
    const item = stack.pop() as StackItem;
    if (item === MARK) fail("unexpected MARK on the stack");
    return item as PickleValue;
  };
  const top = (): PickleValue => {
    const item = stack[stack.length - 1];
    if (stack.length === 0 || item === MARK) fail("stack underflow");
    return item as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const start = marks.pop();
    if (start === undefined) fail("MARK expected");
    // The slice starts with the MARK sentinel itself.
    const items = stack.splice(start as number).slice(1);
    return items as PickleValue[];
  };
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    if (!hooks.allowedGlobals.has(qualified)) {
      fail(
        `forbidden global "${qualified}"; a state-dict checkpoint may only reference ` +
          [...hooks.allowedGlobals].sort().join(", "),
      );
    }
    return new PickleGlobal(module, name);
  };
  const setItems = (target: PickleValue, pairs: PickleValue[]): void => {
    if (!(target instanceof PickleDict)) fail("SETITEM(S) applied to a value that is not a dict");
    if (pairs.length % 2 !== 0) fail("SETITEMS with an odd number of items");
    const dict = target as PickleDict;
    for (let i = 0; i < pairs.length; i += 2) dict.items.set(asKey(pairs[i], fail), pairs[i + 1]);
  };
  const append = (target: PickleValue, values: PickleValue[]): void => {
    if (!Array.isArray(target)) fail("APPEND(S) applied to a value that is not a list");
    (target as PickleValue[]).push(...values);
  };
  const memoGet = (index: number): PickleValue => {
    if (!memo.has(index)) fail(`memo index ${index} is not defined`);
    return memo.get(index) as PickleValue;
  };

  for (;;) {
    const opcodeAt = pos;
    const opcode = readUint8();
    switch (opcode) {
      case 0x80: {
        const protocol = readUint8();
        if (protocol > 4) fail(`pickle protocol ${protocol} is not supported (0-4 are)`);
        break;
      }
      case 0x95: // FRAME: an 8-byte frame length, only a hint for buffered readers.
        readBytes(8);
        break;
      case 0x2e: {
        if (stack.length !== 1 || marks.length !== 0) fail("STOP with a malformed stack");
        return pop();
      }
      case 0x28:
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x31:
        popMark();
        break;
      case 0x30:
        pop();
        break;
      case 0x32:
        stack.push(top());
        break;
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a:
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b:
        stack.push(readUint8());
        break;
      case 0x4d:
        stack.push(readUint16());
        break;
      case 0x8a:
        stack.push(decodeLong(readBytes(readUint8())));
        break;
      case 0x8b:
        stack.push(decodeLong(readBytes(readUint32())));
        break;
      case 0x47:
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58:
        stack.push(utf8(readBytes(readUint32())));
        break;
      case 0x8c:
        stack.push(utf8(readBytes(readUint8())));
        break;
      case 0x8d:
        stack.push(utf8(readBytes(readLength64())));
        break;
      case 0x55:
        stack.push(Buffer.from(readBytes(readUint8())).toString("latin1"));
        break;
      case 0x54:
        stack.push(Buffer.from(readBytes(readUint32())).toString("latin1"));
        break;
      case 0x43:
        stack.push(readBytes(readUint8()).slice());
        break;
      case 0x42:
        stack.push(readBytes(readUint32()).slice());
        break;
      case 0x8e:
        stack.push(readBytes(readLength64()).slice());
        break;
      case 0x29:
        stack.push([]);
        break;
      case 0x74:
        stack.push(popMark());
        break;
      case 0x85:
        stack.push([pop()]);
        break;
      case 0x86: {
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d:
        stack.push([]);
        break;
      case 0x6c:
        stack.push(popMark());
        break;
      case 0x61: {
        const value = pop();
        append(top(), [value]);
        break;
      }
      case 0x65: {
        const values = popMark();
        append(top(), values);
        break;
      }
      case 0x7d:
        stack.push(new PickleDict());
        break;
      case 0x64: {
        const dict = new PickleDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        const pairs = popMark();
        setItems(top(), pairs);
        break;
      }
      case 0x71:
        memo.set(readUint8(), top());
        break;
      case 0x72:
        memo.set(readUint32(), top());
        break;
      case 0x94:
        memo.set(memo.size, top());
        break;
      case 0x68:
        stack.push(memoGet(readUint8()));
        break;
      case 0x6a:
        stack.push(memoGet(readUint32()));
        break;
      case 0x63: {
        const module = readLine();
        const name = readLine();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          fail("STACK_GLOBAL needs two strings");
        }
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x51: {
        const id = pop();
        if (!hooks.persistentLoad) fail("persistent ids are not allowed in this pickle");
        stack.push(hooks.persistentLoad!(id));
        break;
      }
      case 0x52: {
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal)) fail("REDUCE on a value that is not an allowed global");
        if (!Array.isArray(args)) fail("REDUCE arguments are not a tuple");
        stack.push(hooks.reduce(callable as PickleGlobal, args as PickleValue[]));
        break;
      }
      case 0x62: {
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict)) {
          fail("BUILD is only allowed on dicts (it sets attributes such as _metadata)");
        }
        (target as PickleDict).state = state;
        break;
      }
      default: {
        pos = opcodeAt;
        const name = OPCODE_NAMES[opcode];
        fail(
          name
            ? `opcode ${name} (0x${opcode.toString(16)}) is not allowed in a state-dict checkpoint`
            : `unknown opcode 0x${opcode.toString(16)}`,
        );
      }
    }
  }
}

/** Decodes a little-endian two's-complement integer; small values become numbers. */
function decodeLong(raw: Uint8Array): number | bigint {
  if (raw.length === 0) return 0;
  let value = 0n;
  for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
  if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function asKey(value: PickleValue, fail: (message: string) => never): PickleKey {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  return fail("dict key is not a str, int, float, bool or None");
}
