// spectral-norm: power method on the infinite matrix A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1).
function a(i, j) {
  return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

function mulAv(n, v) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let s = 0.0;
    for (let j = 0; j < n; j++) s = s + a(i, j) * v[j];
    out.push(s);
  }
  return out;
}

function mulAtv(n, v) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let s = 0.0;
    for (let j = 0; j < n; j++) s = s + a(j, i) * v[j];
    out.push(s);
  }
  return out;
}

function mulAtAv(n, v) {
  return mulAtv(n, mulAv(n, v));
}

function main(n) {
  let u = [];
  for (let i = 0; i < n; i++) u.push(1.0);
  let v = u;
  for (let i = 0; i < 10; i++) {
    v = mulAtAv(n, u);
    u = mulAtAv(n, v);
  }
  let vBv = 0.0, vv = 0.0;
  for (let i = 0; i < n; i++) {
    vBv = vBv + u[i] * v[i];
    vv = vv + v[i] * v[i];
  }
  console.log(String(Math.sqrt(vBv / vv)));
}

main(process.argv.length > 2 ? Number(process.argv[2]) : 400);
