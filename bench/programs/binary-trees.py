# binary-trees: allocate and walk many perfect binary trees of nodes {left, right}.
import sys


class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def make(d):
    if d == 0:
        return Node(None, None)
    return Node(make(d - 1), make(d - 1))


def check(t):
    if t.left is None:
        return 1
    return 1 + check(t.left) + check(t.right)


def main(n):
    min_depth = 4
    max_depth = n if n > min_depth + 2 else min_depth + 2
    stretch = max_depth + 1
    print("stretch tree of depth", stretch, "check:", check(make(stretch)))
    long_lived = make(max_depth)
    d = min_depth
    while d <= max_depth:
        iterations = 1 << (max_depth - d + min_depth)
        total = 0
        i = 0
        while i < iterations:
            total = total + check(make(d))
            i = i + 1
        print(iterations, "trees of depth", d, "check:", total)
        d = d + 2
    print("long lived tree of depth", max_depth, "check:", check(long_lived))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
