/** What a snapshot needs from OpenBOM: any authenticated GET, and a file cell's bytes. Bound in openbom-source.ts. */
export interface SnapshotSource {
  /**
   * The JSON body of an authenticated GET of `path`, its `:name` segments filled (URL-encoded) from `params`.
   * Permits, retries, Retry-After and token renewal are the source's job; a refusal carries its HTTP `status`.
   */
  getJson(path: string, options?: { params?: Record<string, string>; signal?: AbortSignal }): Promise<unknown>;
  /** A file cell's URL, following OpenBOM's 302 to its storage. */
  openFile(
    url: string,
    options?: { signal?: AbortSignal },
  ): Promise<{ contentType: string | null; body: ReadableStream<Uint8Array> | null }>;
}
