// Tiny files whose headers claim huge images: each is a few dozen bytes and says 50000x50000
// (2.5 gigapixels, about 7.5 GB of RGB). A server that trusts them before checking allocates that.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function hugePng(width = 50000, height = 50000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    pngChunk('IHDR', ihdr),
    // The start of a zlib stream of zeros: the rows that would follow are never there.
    pngChunk('IDAT', Buffer.from('789c636000000000ffff', 'hex')),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function hugeGif(width = 50000, height = 50000, frames = 1): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // global colour table of 2 entries
  const frame = () => {
    const d = Buffer.alloc(10);
    d[0] = 0x2c;
    d.writeUInt16LE(width, 5);
    d.writeUInt16LE(height, 7);
    const gce = Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0]);
    return Buffer.concat([gce, d, Buffer.from([2, 2, 0x4c, 0x01, 0])]);
  };
  const loop = Buffer.from([0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from('GIF89a'),
    screen,
    Buffer.from([0, 0, 0, 255, 255, 255]),
    loop,
    ...Array.from({ length: frames }, frame),
    Buffer.from([0x3b]),
  ]);
}

export function hugeJpeg(width = 50000, height = 50000): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0, 17, 8, 0, 0, 0, 0, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  const dqt = Buffer.concat([Buffer.from([0xff, 0xdb, 0, 67, 0]), Buffer.alloc(64, 1)]);
  // DC and AC tables with one 1-bit code each.
  const dht = (cls: number) =>
    Buffer.concat([
      Buffer.from([0xff, 0xc4, 0, 20, cls]),
      Buffer.from([1, ...Array(15).fill(0)]),
      Buffer.from([0]),
    ]);
  const sos = Buffer.from([0xff, 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 63, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    dqt,
    sof,
    dht(0x00),
    dht(0x10),
    sos,
    Buffer.alloc(16),
    Buffer.from([0xff, 0xd9]),
  ]);
}

export function hugeWebp(width = 16383, height = 16383): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  // A VP8L bitstream header for the same size; no image data follows.
  const vp8l = Buffer.alloc(5);
  vp8l[0] = 0x2f;
  vp8l.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  const body = Buffer.concat([Buffer.from('WEBP'), chunk('VP8X', vp8x), chunk('VP8L', vp8l)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

export function hugeTiff(width = 50000, height = 50000): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, width], // ImageWidth, LONG
    [257, 4, 1, height], // ImageLength
    [258, 3, 1, 8], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // Photometric: black is zero
    [273, 4, 1, 8], // StripOffsets
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, height], // RowsPerStrip
    [279, 4, 1, width * height], // StripByteCounts
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 2 + i * 12;
    ifd.writeUInt16LE(tag, o);
    ifd.writeUInt16LE(type, o + 2);
    ifd.writeUInt32LE(count, o + 4);
    if (type === 3) ifd.writeUInt16LE(value, o + 8);
    else ifd.writeUInt32LE(value >>> 0, o + 8);
  });
  const head = Buffer.from([0x49, 0x49, 42, 0, 16, 0, 0, 0]);
  return Buffer.concat([head, Buffer.alloc(8), ifd]);
}
