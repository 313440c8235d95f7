import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A stream that writes every line it receives with `prefix` in front, so that the output of
 * several hosts interleaves line by line and each line says where it came from. A line is held
 * back until its newline arrives (or the stream ends), never cut in two by another host's output.
 */
export class LinePrefixer extends Transform {
  private partial = '';
  // A character split across two chunks is decoded whole.
  private readonly decoder = new StringDecoder('utf8');

  /** @param prefix - Text put before each line, e.g. `[host 1] `. */
  constructor(private readonly prefix: string) {
    super();
    this.setDefaultEncoding('utf8');
  }

  override _transform(chunk: Buffer | string, _encoding: string, done: TransformCallback): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial = text;
      done();
      return;
    }
    this.partial = text.slice(end + 1);
    done(null, this.prefixed(text.slice(0, end + 1)));
  }

  override _flush(done: TransformCallback): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    done(null, rest === '' ? undefined : this.prefixed(`${rest}\n`));
  }

  /** `lines` ends with a newline; every line, empty ones included, gets the prefix. */
  private prefixed(lines: string): string {
    return lines
      .slice(0, -1)
      .split('\n')
      .map((line) => `${this.prefix}${line}\n`)
      .join('');
  }
}
