# fasta: generate DNA sequences by repeating a source string and by sampling
# weighted symbols from a linear congruential generator. Prints each section's
# header, line count, last line and a checksum of the chosen positions/symbols
# instead of the full 10n characters.
import sys

ALU = ("GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG"
       "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA"
       "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT"
       "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA"
       "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG"
       "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC"
       "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA")

IUB_SYMS = ["a", "c", "g", "t", "B", "D", "H", "K", "M", "N", "R", "S", "V", "W", "Y"]
IUB_PROBS = [0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02]
HS_SYMS = ["a", "c", "g", "t"]
HS_PROBS = [0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008]

WIDTH = 60


class Rng:
    __slots__ = ("seed",)

    def __init__(self, seed):
        self.seed = seed


def repeat_fasta(header, src, n):
    print(header)
    slen = len(src)
    k = 0
    lines = 0
    last = ""
    checksum = 0
    while n > 0:
        m = n if n < WIDTH else WIDTH
        line = ""
        i = 0
        while i < m:
            line = line + src[k]
            checksum = (checksum * 31 + k) % 1000000007
            k = k + 1
            if k == slen:
                k = 0
            i = i + 1
        lines = lines + 1
        last = line
        n = n - m
    print(lines, "lines, checksum", checksum)
    print(last)


def random_fasta(header, syms, probs, n, rng):
    print(header)
    cum = []
    acc = 0.0
    for p in probs:
        acc = acc + p
        cum.append(acc)
    last_k = len(syms) - 1
    lines = 0
    last = ""
    checksum = 0
    while n > 0:
        m = n if n < WIDTH else WIDTH
        line = ""
        i = 0
        while i < m:
            rng.seed = (rng.seed * 3877 + 29573) % 139968
            r = 1.0 * rng.seed / 139968
            k = 0
            while k < last_k and r >= cum[k]:
                k = k + 1
            line = line + syms[k]
            checksum = (checksum * 31 + k) % 1000000007
            i = i + 1
        lines = lines + 1
        last = line
        n = n - m
    print(lines, "lines, checksum", checksum)
    print(last)


def main(n):
    rng = Rng(42)
    repeat_fasta(">ONE Homo sapiens alu", ALU, 2 * n)
    random_fasta(">TWO IUB ambiguity codes", IUB_SYMS, IUB_PROBS, 3 * n, rng)
    random_fasta(">THREE Homo sapiens frequency", HS_SYMS, HS_PROBS, 5 * n, rng)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 250000)
