import { request } from 'node:http';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** Sent as given; chunks are written one by one (chunked encoding unless Content-Length is set). */
  body?: Buffer | string | Array<Buffer | string>;
}

/** One HTTP request with full control over method, path, headers and framing. */
export function rawRequest(url: string, r: RawRequest = {}): Promise<RawReply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: r.method ?? 'POST', path: r.path ?? u.pathname, headers: r.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // The server may answer (413) and close before the whole body is written: that is fine.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    const parts = r.body === undefined ? [] : Array.isArray(r.body) ? r.body : [r.body];
    for (const p of parts) req.write(p);
    req.end();
  });
}
