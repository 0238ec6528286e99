// fasta: generate DNA sequences by repeating a source string and by sampling
// weighted symbols from a linear congruential generator. Prints each section's
// header, line count, last line and a checksum of the chosen positions/symbols
// instead of the full 10n characters.
const ALU = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" +
  "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" +
  "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" +
  "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" +
  "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" +
  "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" +
  "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";

const IUB_SYMS = ["a", "c", "g", "t", "B", "D", "H", "K", "M", "N", "R", "S", "V", "W", "Y"];
const IUB_PROBS = [0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02];
const HS_SYMS = ["a", "c", "g", "t"];
const HS_PROBS = [0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008];

const WIDTH = 60;

class Rng {
  constructor(seed) {
    this.seed = seed;
  }
}

function repeatFasta(header, src, n) {
  console.log(header);
  const slen = src.length;
  let k = 0, lines = 0, last = "", checksum = 0;
  while (n > 0) {
    const m = n < WIDTH ? n : WIDTH;
    let line = "";
    for (let i = 0; i < m; i++) {
      line = line + src[k];
      checksum = (checksum * 31 + k) % 1000000007;
      k = k + 1;
      if (k === slen) k = 0;
    }
    lines = lines + 1;
    last = line;
    n = n - m;
  }
  console.log(lines, "lines, checksum", checksum);
  console.log(last);
}

function randomFasta(header, syms, probs, n, rng) {
  console.log(header);
  const cum = [];
  let acc = 0.0;
  for (const p of probs) {
    acc = acc + p;
    cum.push(acc);
  }
  const lastK = syms.length - 1;
  let lines = 0, last = "", checksum = 0;
  while (n > 0) {
    const m = n < WIDTH ? n : WIDTH;
    let line = "";
    for (let i = 0; i < m; i++) {
      rng.seed = (rng.seed * 3877 + 29573) % 139968;
      const r = 1.0 * rng.seed / 139968;
      let k = 0;
      while (k < lastK && r >= cum[k]) k = k + 1;
      line = line + syms[k];
      checksum = (checksum * 31 + k) % 1000000007;
    }
    lines = lines + 1;
    last = line;
    n = n - m;
  }
  console.log(lines, "lines, checksum", checksum);
  console.log(last);
}

function main(n) {
  const rng = new Rng(42);
  repeatFasta(">ONE Homo sapiens alu", ALU, 2 * n);
  randomFasta(">TWO IUB ambiguity codes", IUB_SYMS, IUB_PROBS, 3 * n, rng);
  randomFasta(">THREE Homo sapiens frequency", HS_SYMS, HS_PROBS, 5 * n, rng);
}

main(process.argv.length > 2 ? Number(process.argv[2]) : 250000);
