// fannkuch-redux: for every permutation of 1..n, count the prefix reversals until 1
// comes first. Prints a checksum of the counts and the maximum.
function fannkuch(n) {
  const perm1 = [];
  const count = [];
  for (let i = 0; i < n; i++) {
    perm1.push(i);
    count.push(0);
  }
  let maxFlips = 0, checksum = 0, permCount = 0;
  let r = n;
  for (;;) {
    while (r !== 1) {
      count[r - 1] = r;
      r = r - 1;
    }
    const perm = perm1.slice();
    let flips = 0;
    let k = perm[0];
    while (k !== 0) {
      let i = 0, j = k;
      while (i < j) {
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        i = i + 1;
        j = j - 1;
      }
      flips = flips + 1;
      k = perm[0];
    }
    if (flips > maxFlips) maxFlips = flips;
    if (permCount % 2 === 0) checksum = checksum + flips;
    else checksum = checksum - flips;
    // next permutation
    for (;;) {
      if (r === n) return [checksum, maxFlips];
      const perm0 = perm1[0];
      for (let i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r] = count[r] - 1;
      if (count[r] > 0) break;
      r = r + 1;
    }
    permCount = permCount + 1;
  }
}

function main(n) {
  const [checksum, maxFlips] = fannkuch(n);
  console.log(checksum);
  console.log("Pfannkuchen(" + n + ") = " + maxFlips);
}

main(process.argv.length > 2 ? Number(process.argv[2]) : 9);
