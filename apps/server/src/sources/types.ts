/** A downloaded source image, with the origin headers that the response may pass on. */
export interface SourceImage {
  data: Buffer;
  /** The origin's Content-Type, when it said one. */
  contentType?: string;
  cacheControl?: string;
  expires?: string;
  etag?: string;
  lastModified?: string;
}

export interface SourceRequest {
  /** Cookie header to forward, already scoped; undefined forwards nothing. */
  cookie?: string;
  /** Byte limit for this request (IMGPROXY_MAX_SRC_FILE_SIZE or the `msfs` option); 0 = none. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface SourceFetcher {
  fetch(url: string, req: SourceRequest): Promise<SourceImage>;
  close?(): Promise<void>;
}
