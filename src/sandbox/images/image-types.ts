/** Image references and what resolving one yields. */

/** Where a sandbox's root filesystem comes from. */
export type ImageRef =
  | { type: 'busybox' } // the built-in minimal image (Debian busybox-static)
  | { type: 'directory'; path: string } // an existing root directory, used as is (read-only)
  | { type: 'oci-archive'; path: string; name?: string }; // OCI layout or `docker save` tarball

/** The parts of an OCI image config a sandbox uses. */
export interface ImageConfig {
  env: string[];
  workingDir?: string;
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
}

export interface ResolvedImage {
  ref: ImageRef;
  /** host directory holding the root filesystem (never written to) */
  rootfs: string;
  /** content digest (sha256:...) or, for a directory, "dir:<realpath>" */
  digest: string;
  config: ImageConfig;
}
