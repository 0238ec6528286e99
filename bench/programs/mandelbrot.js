// mandelbrot: the n x n bitmap of the Mandelbrot set (50 iterations, limit 2.0),
// packed 8 pixels to a byte as in the PBM format. Prints the header and a checksum
// of the bytes instead of the bytes themselves.
function main(n) {
  const w = n, h = n;
  let checksum = 0, ones = 0;
  for (let y = 0; y < h; y++) {
    let bits = 0;
    const ci = 2.0 * y / h - 1.0;
    for (let x = 0; x < w; x++) {
      const cr = 2.0 * x / w - 1.5;
      let zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
      let i = 0;
      while (i < 50 && tr + ti <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
        i = i + 1;
      }
      bits = bits << 1;
      if (tr + ti <= 4.0) {
        bits = bits | 1;
        ones = ones + 1;
      }
      if (x % 8 === 7) {
        checksum = (checksum * 31 + bits) % 1000000007;
        bits = 0;
      } else if (x === w - 1) {
        bits = bits << (8 - w % 8);
        checksum = (checksum * 31 + bits) % 1000000007;
        bits = 0;
      }
    }
  }
  console.log("P4");
  console.log(w, h);
  console.log("pixels set:", ones, "checksum:", checksum);
}

main(process.argv.length > 2 ? Number(process.argv[2]) : 800);
