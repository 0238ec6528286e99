// binary-trees: allocate and walk many perfect binary trees of nodes {left, right}.
class Node {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}

function make(d) {
  if (d === 0) return new Node(null, null);
  return new Node(make(d - 1), make(d - 1));
}

function check(t) {
  if (t.left === null) return 1;
  return 1 + check(t.left) + check(t.right);
}

function main(n) {
  const minDepth = 4;
  const maxDepth = n > minDepth + 2 ? n : minDepth + 2;
  const stretch = maxDepth + 1;
  console.log("stretch tree of depth", stretch, "check:", check(make(stretch)));
  const longLived = make(maxDepth);
  for (let d = minDepth; d <= maxDepth; d += 2) {
    const iterations = 1 << (maxDepth - d + minDepth);
    let total = 0;
    for (let i = 0; i < iterations; i++) total = total + check(make(d));
    console.log(iterations, "trees of depth", d, "check:", total);
  }
  console.log("long lived tree of depth", maxDepth, "check:", check(longLived));
}

main(process.argv.length > 2 ? Number(process.argv[2]) : 16);
