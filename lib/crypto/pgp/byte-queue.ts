/** A FIFO of byte chunks that hands out exact-sized slices with as few copies as possible. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.length += chunk.length;
  }
  take(n: number): Buffer {
    if (n > this.length) throw new Error("ByteQueue underflow");
    this.length -= n;
    const first = this.chunks[0];
    if (first && first.length === n) return this.chunks.shift()!;
    if (first && first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    return out;
  }
  /** The next `n` bytes as views of the queued chunks (no copy). */
  takeParts(n: number): Buffer[] {
    if (n > this.length) throw new Error("ByteQueue underflow");
    this.length -= n;
    const parts: Buffer[] = [];
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) {
        parts.push(c);
        this.chunks.shift();
        n -= c.length;
      } else {
        parts.push(c.subarray(0, n));
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
    return parts;
  }
  peek(n: number): Buffer {
    const out = this.take(n);
    this.chunks.unshift(out);
    this.length += n;
    return out;
  }
}
