// A growable array of fixed-size C structs in one ArrayBuffer, passed to
// libc through bun:ffi (pollfd, kevent). Growing doubles the capacity and
// keeps the contents.
export class StructArray {
  view: DataView;
  capacity: number;
  constructor(
    readonly structSize: number,
    capacity = 16,
  ) {
    this.capacity = capacity;
    this.view = new DataView(new ArrayBuffer(capacity * structSize));
  }

  ensure(n: number): void {
    if (n <= this.capacity) return;
    let cap = this.capacity;
    while (cap < n) cap *= 2;
    const next = new DataView(new ArrayBuffer(cap * this.structSize));
    new Uint8Array(next.buffer).set(new Uint8Array(this.view.buffer));
    this.capacity = cap;
    this.view = next;
  }
}
