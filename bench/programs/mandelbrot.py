# mandelbrot: the n x n bitmap of the Mandelbrot set (50 iterations, limit 2.0),
# packed 8 pixels to a byte as in the PBM format. Prints the header and a checksum
# of the bytes instead of the bytes themselves.
import sys


def main(n):
    w = n
    h = n
    checksum = 0
    ones = 0
    y = 0
    while y < h:
        bits = 0
        x = 0
        ci = 2.0 * y / h - 1.0
        while x < w:
            cr = 2.0 * x / w - 1.5
            zr = 0.0
            zi = 0.0
            tr = 0.0
            ti = 0.0
            i = 0
            while i < 50 and tr + ti <= 4.0:
                zi = 2.0 * zr * zi + ci
                zr = tr - ti + cr
                tr = zr * zr
                ti = zi * zi
                i = i + 1
            bits = bits << 1
            if tr + ti <= 4.0:
                bits = bits | 1
                ones = ones + 1
            if x % 8 == 7:
                checksum = (checksum * 31 + bits) % 1000000007
                bits = 0
            elif x == w - 1:
                bits = bits << (8 - w % 8)
                checksum = (checksum * 31 + bits) % 1000000007
                bits = 0
            x = x + 1
        y = y + 1
    print("P4")
    print(w, h)
    print("pixels set:", ones, "checksum:", checksum)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 800)
