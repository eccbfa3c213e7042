import { Cifar100Spec, IdxDatasetSpec, OfficialChecksums, RemoteFile } from "./types";

/*
 * Checksum tables. Data files are checked by the SHA-256 of their decompressed bytes because
 * mirrors re-compress the downloads (Debian's Fashion-MNIST package does), which changes the
 * gzip bytes but not the payload. The published checksums of the compressed files are kept
 * beside them and only reported.
 */

/** Gzip download holding one IDX file. */
function idxRemote(name: string, bytes: number, sha256: string, official: OfficialChecksums): RemoteFile {
  return {
    name: `${name}.gz`,
    format: "gzip",
    files: [{ name, check: { kind: "sha256", bytes, sha256 } }],
    official,
  };
}

const IDX_SPLITS = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", count: 60000 },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", count: 10000 },
};

/**
 * MNIST handwritten digits (LeCun, Cortes and Burges). The original host no longer serves the
 * files, so the base URLs are the two mirrors that torchvision and TensorFlow use.
 */
export const MNIST: IdxDatasetSpec = {
  id: "mnist",
  title: "MNIST",
  mirrorFolders: ["MNIST"],
  baseUrls: [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
  ],
  remotes: [
    idxRemote("train-images-idx3-ubyte", 47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", {
      bytes: 9912422,
      md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
      sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    }),
    idxRemote("train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", {
      bytes: 28881,
      md5: "d53e105ee54ea40749a09fcbcd1e9432",
      sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    }),
    idxRemote("t10k-images-idx3-ubyte", 7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", {
      bytes: 1648877,
      md5: "9fb629c4189551a2d022fa330f9573f3",
      sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    }),
    idxRemote("t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", {
      bytes: 4542,
      md5: "ec29112dd5afa0611ce80d1b7f02629c",
      sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }),
  ],
  splits: IDX_SPLITS,
  height: 28,
  width: 28,
  classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
};

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), same layout as MNIST. Its authors publish
 * only MD5s of the gzip files; Debian's package (`/usr/share/datasets/fashion-mnist/`) contains
 * re-compressed gzip files with the same payload.
 */
export const FASHION_MNIST: IdxDatasetSpec = {
  id: "fashion-mnist",
  title: "Fashion-MNIST",
  mirrorFolders: ["fashion_mnist", "FashionMNIST"],
  baseUrls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
  remotes: [
    idxRemote("train-images-idx3-ubyte", 47040016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", {
      md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    }),
    idxRemote("train-labels-idx1-ubyte", 60008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", {
      md5: "25c81989df183df01b3e8a0aad5dffbe",
    }),
    idxRemote("t10k-images-idx3-ubyte", 7840016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", {
      md5: "bef4ecab320f06d8554ea6380940ec79",
    }),
    idxRemote("t10k-labels-idx1-ubyte", 10008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", {
      md5: "bb300cfdad3c16e7a12a480ee83cd310",
    }),
  ],
  splits: IDX_SPLITS,
  height: 28,
  width: 28,
  classNames: [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ],
};

/** CIFAR-100 fine class names in label order, as in the archive's fine_label_names.txt. */
export const CIFAR100_FINE_NAMES: readonly string[] = [
  "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
  "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
  "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
  "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
  "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
  "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
  "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
  "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
  "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
  "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
];

/** CIFAR-100 superclass names in label order, as in the archive's coarse_label_names.txt. */
export const CIFAR100_COARSE_NAMES: readonly string[] = [
  "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
  "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
  "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
  "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
  "vehicles_1", "vehicles_2",
];

/**
 * CIFAR-100 binary version (Krizhevsky, 2009). The .bin files are checked by SHA-256, so a
 * re-packed archive with the same members passes. The label-name files are compared by name
 * because copies differ in trailing whitespace.
 */
export const CIFAR100: Cifar100Spec = {
  id: "cifar-100",
  title: "CIFAR-100",
  mirrorFolders: ["cifar100", "cifar-100-binary"],
  baseUrls: ["https://www.cs.toronto.edu/~kriz/"],
  remotes: [
    {
      name: "cifar-100-binary.tar.gz",
      format: "tar.gz",
      files: [
        {
          name: "train.bin",
          member: "cifar-100-binary/train.bin",
          check: {
            kind: "sha256",
            bytes: 153700000,
            sha256: "f31298fc616915fa142368359df1c4ca2ae984d6915ca468b998a5ec6aeebf29",
          },
        },
        {
          name: "test.bin",
          member: "cifar-100-binary/test.bin",
          check: {
            kind: "sha256",
            bytes: 30740000,
            sha256: "d8b1e6b7b3bee4020055f0699b111f60b1af1e262aeb93a0b659061746f8224a",
          },
        },
        {
          name: "fine_label_names.txt",
          member: "cifar-100-binary/fine_label_names.txt",
          check: { kind: "lines", lines: CIFAR100_FINE_NAMES },
        },
        {
          name: "coarse_label_names.txt",
          member: "cifar-100-binary/coarse_label_names.txt",
          check: { kind: "lines", lines: CIFAR100_COARSE_NAMES },
        },
      ],
      official: { md5: "03b5dce01913d631647c71ecec9e9cb8" },
    },
  ],
  splits: {
    train: { records: "train.bin", count: 50000 },
    test: { records: "test.bin", count: 10000 },
  },
  fineNames: "fine_label_names.txt",
  coarseNames: "coarse_label_names.txt",
};
