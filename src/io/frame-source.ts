/**
 * One interface for every kind of frame input (SER, video through ffmpeg, image folders, single images).
 * Nothing here reads a whole file into memory: frames are read one at a time.
 */

/** Colour layout of the stored samples. Bayer names give the 2x2 cell at the top-left pixel. */
export type ColorLayout = 'mono' | 'RGGB' | 'GRBG' | 'GBRG' | 'BGGR' | 'RGB' | 'BGR';

export const BAYER_LAYOUTS: readonly ColorLayout[] = ['RGGB', 'GRBG', 'GBRG', 'BGGR'];

export type ContainerFormat = 'ser' | 'video' | 'image-folder' | 'image';

export interface FrameSourceInfo {
  /** Path of the file or folder read. */
  path: string;
  format: ContainerFormat;
  /** Container detail, e.g. "SER", "avi (mpeg4)", "png folder". */
  container: string;
  frameCount: number;
  width: number;
  height: number;
  /** Bits per sample as stored (8 or 16; SER may say 12 etc.). */
  bitDepth: number;
  /** Bytes per stored sample: 1 or 2 (4 for float images). */
  bytesPerSample: 1 | 2 | 4;
  colorLayout: ColorLayout;
  /** Planes per pixel as stored: 1 (mono or Bayer mosaic) or 3 (RGB/BGR). */
  planes: 1 | 3;
  /** Per-frame UTC timestamps in milliseconds since the Unix epoch, where the container has them. */
  timestamps?: number[];
  /** SER header strings and fields. */
  ser?: {
    observer: string;
    instrument: string;
    telescope: string;
    luId: number;
    colorId: number;
    littleEndianFlag: number;
    /** Byte order actually used for 16-bit samples. */
    byteOrder: 'little' | 'big';
    /** DateTime (local) and DateTime_UTC as ISO strings, or null when not set. */
    dateTime: string | null;
    dateTimeUtc: string | null;
    /** Frame count written in the header (may differ from frameCount when the file is truncated). */
    headerFrameCount: number;
  };
  /** File names of the frames for image folders, in the order used (natural sort). */
  files?: string[];
  /** Non-fatal problems, e.g. a truncated SER. */
  warnings: string[];
}

/**
 * A frame as stored: integer samples (or float32 for float images), planes interleaved per pixel.
 * For 8-bit data `data` is a Uint8Array, for 16-bit a Uint16Array (native order, already swapped), for
 * float images a Float32Array on the 16-bit scale.
 */
export interface RawFrame {
  index: number;
  width: number;
  height: number;
  planes: 1 | 3;
  bitDepth: number;
  data: Uint8Array | Uint16Array | Float32Array;
}

export interface FrameSource {
  readonly info: FrameSourceInfo;
  /**
   * Random access to frame i (0-based). May be costly for videos (see the video source).
   * `into`: bytes (at least the frame's width·height·planes·bytesPerSample, starting at an even
   * offset) that the samples may be read into — the returned data then views them, so the caller must
   * be done with it before reusing `into`. Sources that cannot read in place ignore it.
   */
  read(index: number, into?: Uint8Array): Promise<RawFrame>;
  /** True when `read` fills a lent `into` buffer (then callers may lend kept memory). */
  readonly readsInPlace?: boolean;
  /**
   * Optional: start the work that the first `read` would start (a video decodes into its spool), in the
   * background, because reads will follow shortly. Failures surface at the next `read`.
   */
  prefetch?(): void;
  /** Sequential pass over frames [start, end). The cheapest way to visit every frame. */
  frames(start?: number, end?: number): AsyncIterable<RawFrame>;
  close(): Promise<void>;
}

/**
 * The bytes a source may read a frame of `bytes` into: the first `bytes` of `into` when it is large
 * enough and starts at an even offset (16-bit samples view it), else null (read into new memory).
 */
export function lentBytes(into: Uint8Array | undefined, bytes: number): Buffer | null {
  return into && into.byteLength >= bytes && into.byteOffset % 2 === 0 ? Buffer.from(into.buffer, into.byteOffset, bytes) : null;
}

/** An error about an input, always naming the file and the problem in one line. */
export class InputError extends Error {
  constructor(public readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InputError';
  }
}
