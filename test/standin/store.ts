// In-memory NeuroVault: collections, images and NIDM packs as the JSON objects the server renders,
// plus the side facts the JSON does not carry (private token, ownership, how a file is served).
// Objects hold absolute URLs built on the stand-in's own origin; responses swap in the request's
// Host (DRF build_absolute_uri) at serialisation time.
import { niftiGz, niftiGzSize } from './nifti-file.js';
import { hashString } from './prng.js';
import { statMapNiftiGz, type MapSpec } from './stat-map.js';
import { API_COLLECTION, ATLAS, NIDM_STATMAP, STATMAP, WEB_COLLECTION, clone, collection2025, image2025, type JsonObject } from './templates.js';
import type { TextField } from './multipart.js';

export interface User { token: string; id: number; username: string; email?: string }
export type FileMode = 'generated' | 'map' | 'missing' | 'html' | 'uploaded';
export type ImageKind = 'statistic_map' | 'atlas' | 'nidm';

export interface CollectionRecord {
  id: number;
  token: string | undefined;
  ownerId: number | null;
  contributorIds: number[];
  obj: JsonObject;
  imageIds: number[];
  packIds: number[];
}

export interface UploadRecord {
  fields: TextField[];
  file: { field: string; filename: string; contentType: string; size: number };
  bytes: Buffer;
}

export interface ImageRecord {
  id: number;
  collectionId: number;
  kind: ImageKind;
  obj: JsonObject;
  fileMode: FileMode;
  /** Decoded path below /media/images/{cid|token}/ (may contain '/' for NIDM files or hostile names). */
  fileName: string;
  fileTarget: number;
  upload: UploadRecord | undefined;
  /** A statistical map on the MNI grid instead of noise (stat-map.ts). */
  map?: MapSpec;
}

export interface NidmPackRecord { id: number; collectionId: number; obj: JsonObject }

/** Test-only knobs on image inits; stripped before the object is stored. */
export interface ImageExtras {
  $kind?: ImageKind;
  $file?: FileMode;
  $fileBytes?: number;
  $filename?: string;
  /** serve a statistical map (smooth blobs on the MNI grid) as the file */
  $map?: MapSpec;
  /** user-defined metadata, flattened into the top level before image_type */
  $meta?: JsonObject;
}
export type ImageInit = JsonObject & ImageExtras;

export interface CollectionInit {
  $template?: 'web' | 'api';
  $token?: string;
  $contributors?: number[];
  [key: string]: unknown;
}

export const LOGIN_PAGE_HTML = '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Log in | NeuroVault</title></head>\n<body>\n<form method="post" action="/accounts/login/">\n<input type="hidden" name="csrfmiddlewaretoken" value="standin">\n<label>Username <input name="username"></label>\n<label>Password <input type="password" name="password"></label>\n<button type="submit">Log in</button>\n</form>\n</body>\n</html>\n';

const TEMPLATES_2025 = new Map([STATMAP, ATLAS, NIDM_STATMAP].map((t) => [t, image2025(t)]));

const FILE_CACHE_LIMIT = 256 * 1024 * 1024;
const TOKEN_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Django filepath_to_uri-like quoting of one path segment ('/' quoted too, see hostile names). */
export function quoteSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Python-style microsecond ISO date; `offset` mimics DRF 3.14's Europe/Berlin rendering. */
export function isoDate(ms: number, offset: 'Z' | '+01:00' | '+02:00' = 'Z'): string {
  const shift = offset === 'Z' ? 0 : Number(offset.slice(1, 3)) * 3600_000;
  const base = new Date(ms + shift).toISOString().slice(0, 19);
  const micros = String((ms % 1000) * 1000 + (ms % 997)).padStart(6, '0');
  return `${base}.${micros}${offset}`;
}

export class Store {
  readonly collections = new Map<number, CollectionRecord>();
  readonly images = new Map<number, ImageRecord>();
  readonly packs = new Map<number, NidmPackRecord>();
  readonly tokens = new Map<string, number>();
  private readonly files = new Map<string, number>();
  private readonly fileCache = new Map<number, Buffer>();
  private fileCacheBytes = 0;
  private readonly mapBodies = new Map<number, Buffer>();
  /** collections whose images are not built yet (built on first access; keeps startup fast) */
  private readonly pending = new Map<number, () => void>();
  nextCollectionId = 20001;
  nextImageId = 600001;
  nextPackId = 9001;
  /**
   * As the real app of 2025 (API.md §12): the 2025 fields, files served by Django's static view, and
   * lower-case hex tokens for private collections created through the API.
   */
  realApp = false;

  constructor(
    readonly apiOrigin: string,
    readonly fileOrigin: string,
    readonly fileBytes: number,
    readonly users: User[],
  ) {}

  userByToken(token: string): User | undefined { return this.users.find((u) => u.token === token); }
  userById(id: number | null): User | undefined { return this.users.find((u) => u.id === id); }

  newToken(seed: number): string {
    for (let n = seed; ; n++) {
      let h = hashString(`token:${n}`);
      let t = '';
      for (let i = 0; i < 8; i++) { t += TOKEN_LETTERS[h % 26]; h = (Math.floor(h / 26) ^ hashString(`${n}:${i}`)) >>> 0; }
      if (!this.tokens.has(t)) return t;
    }
  }

  collectionKey(c: CollectionRecord): string { return c.token ?? String(c.id); }
  collectionWebUrl(c: CollectionRecord): string { return `${this.apiOrigin}/collections/${this.collectionKey(c)}/`; }

  addCollection(init: CollectionInit = {}, ownerFallback: User | undefined = this.users[0]): CollectionRecord {
    const { $template, $token, $contributors, ...fields } = init;
    const id = typeof fields.id === 'number' ? fields.id : this.nextCollectionId++;
    if (id >= this.nextCollectionId) this.nextCollectionId = id + 1;
    if (this.collections.has(id)) throw new Error(`collection ${id} exists`);
    const isPrivate = fields.private === true || $token !== undefined;
    const token = isPrivate ? ($token ?? this.newToken(id)) : undefined;
    const ownerId = 'owner' in fields ? (fields.owner as number | null) : (ownerFallback?.id ?? null);
    const rec: CollectionRecord = { id, token, ownerId, contributorIds: $contributors ?? [], obj: {}, imageIds: [], packIds: [] };
    const recorded = $template === 'api' ? API_COLLECTION : WEB_COLLECTION;
    const base = clone(this.realApp ? collection2025(recorded) : recorded);
    const owner = this.userById(ownerId);
    const url = this.collectionWebUrl(rec);
    rec.obj = Object.assign(base, {
      id, url, download_url: `${url}download`, owner: ownerId,
      owner_name: owner?.username ?? base.owner_name, number_of_images: 0,
      name: `Collection ${id}`, private: isPrivate,
    }, fields, { id, url, download_url: `${url}download`, private: isPrivate });
    if (ownerId === null && !('owner' in fields)) delete rec.obj.owner;
    this.collections.set(id, rec);
    if (token) this.tokens.set(token, id);
    return rec;
  }

  /** Reserve `count` image ids for `c` now; `make` builds those images on first access. */
  defer(c: CollectionRecord, count: number, make: (ids: number[]) => void): void {
    const ids = Array.from({ length: count }, () => this.nextImageId++);
    c.obj.number_of_images = c.imageIds.length + c.packIds.length + count;
    this.pending.set(c.id, () => make(ids));
  }

  materialize(collectionId: number): void {
    const make = this.pending.get(collectionId);
    if (!make) return;
    this.pending.delete(collectionId);
    make();
  }

  materializeAll(): void {
    for (const id of [...this.pending.keys()]) this.materialize(id);
  }

  getImage(id: number): ImageRecord | undefined {
    const im = this.images.get(id);
    if (im || this.pending.size === 0) return im;
    this.materializeAll();
    return this.images.get(id);
  }

  allImages(): IterableIterator<ImageRecord> {
    this.materializeAll();
    return this.images.values();
  }

  imagesOf(c: CollectionRecord): ImageRecord[] {
    this.materialize(c.id);
    return c.imageIds.map((id) => this.images.get(id)).filter((im): im is ImageRecord => !!im);
  }

  removeCollection(id: number): void {
    this.pending.delete(id);
    const c = this.collections.get(id);
    if (!c) return;
    for (const iid of c.imageIds) {
      const im = this.images.get(iid);
      if (im) this.files.delete(this.fileKey(c, im.fileName));
      this.images.delete(iid);
      this.fileCache.delete(iid);
    }
    for (const pid of c.packIds) this.packs.delete(pid);
    if (c.token) this.tokens.delete(c.token);
    this.collections.delete(id);
  }

  private fileKey(c: CollectionRecord, fileName: string): string { return `${this.collectionKey(c)}\0${fileName}`; }

  fileUrlFor(c: CollectionRecord, fileName: string): string {
    // NIDM statmaps live in "<pack>.nidm/<file>": that '/' is a real path separator; any other is quoted
    const m = /^([^/]+\.nidm)\/([^/]+)$/.exec(fileName);
    const rel = m ? `${quoteSegment(m[1]!)}/${quoteSegment(m[2]!)}` : quoteSegment(fileName);
    return `${this.fileOrigin}/media/images/${this.collectionKey(c)}/${rel}`;
  }

  /** Django storage renames clashing uploads with a numeric suffix (motor_lips_1.nii.gz in the recordings). */
  uniqueFileName(c: CollectionRecord, wanted: string): string {
    if (!this.files.has(this.fileKey(c, wanted))) return wanted;
    const m = /^(.*?)((?:\.nii)?\.gz|\.[^.]*)?$/.exec(wanted)!;
    for (let n = 1; ; n++) {
      const candidate = `${m[1]}_${n}${m[2] ?? ''}`;
      if (!this.files.has(this.fileKey(c, candidate))) return candidate;
    }
  }

  imageWebUrl(c: CollectionRecord, id: number): string {
    return c.token ? `${this.apiOrigin}/collections/${c.token}/images/${id}/` : `${this.apiOrigin}/images/${id}/`;
  }

  addImage(c: CollectionRecord, init: ImageInit = {}, upload?: UploadRecord): ImageRecord {
    this.materialize(c.id);
    // built key by key (no spreads/rest copies): seeding creates ~10k of these at startup
    const kind: ImageKind = init.$kind
      ?? (init.image_type === 'atlas' ? 'atlas' : init.image_type === 'NIDM results statistic map' ? 'nidm' : 'statistic_map');
    const id = typeof init.id === 'number' ? init.id : this.nextImageId++;
    if (id >= this.nextImageId) this.nextImageId = id + 1;
    if (this.images.has(id)) throw new Error(`image ${id} exists`);
    const fileMode: FileMode = upload ? 'uploaded' : (init.$file ?? (init.$map ? 'map' : 'generated'));
    const fileName = this.uniqueFileName(c, init.$filename ?? `image_${id}.nii.gz`);
    const fileTarget = init.$fileBytes ?? this.fileBytes;
    // 0 only for a missing file (get_file_size's OSError); an HTML trap claims the file it pretends to be.
    const fileSize = fileMode === 'generated' || fileMode === 'html' ? niftiGzSize(fileTarget)
      : fileMode === 'uploaded' ? upload!.bytes.length : 0;
    let template = kind === 'atlas' ? ATLAS : kind === 'nidm' ? NIDM_STATMAP : STATMAP;
    // Recorded images keep their `gender`; everything else is served as the 2025 app would.
    if (this.realApp && !('gender' in init)) template = TEMPLATES_2025.get(template)!;
    // `delete` would push the object into slow dictionary mode, so image_type is skipped and re-added last
    const obj = clone(template, 'image_type');
    const imageType = init.image_type ?? template.image_type;
    obj.url = this.imageWebUrl(c, id);
    obj.file = this.fileUrlFor(c, fileName);
    obj.collection = this.collectionWebUrl(c);
    obj.name = `image ${id}`;
    for (const k in init) if (k[0] !== '$' && k !== 'image_type') obj[k] = init[k];
    obj.id = id;
    obj.collection_id = c.id;
    obj.file_size = fileSize;
    const meta = init.$meta;
    if (meta) for (const k in meta) if (k !== 'image_type') obj[k] = meta[k];
    obj.image_type = imageType;
    if (kind === 'atlas' && obj.label_description_file === null) {
      obj.label_description_file = `${this.fileOrigin}/media/images/${this.collectionKey(c)}/${quoteSegment(fileName.replace(/\.nii(\.gz)?$/, ''))}.xml`;
    }
    const rec: ImageRecord = { id, collectionId: c.id, kind, obj, fileMode, fileName, fileTarget, upload };
    if (init.$map) {
      rec.map = init.$map;
      // A map takes ~50 ms to build: only when its size or bytes are first asked for, not at start-up.
      Object.defineProperty(obj, 'file_size', { enumerable: true, configurable: true, get: () => this.fileBody(id).length });
    }
    this.images.set(id, rec);
    this.files.set(this.fileKey(c, fileName), id);
    c.imageIds.push(id);
    c.obj.number_of_images = c.imageIds.length + c.packIds.length;
    return rec;
  }

  addPack(c: CollectionRecord, name: string, statmapInits: ImageInit[]): NidmPackRecord {
    const id = this.nextPackId++;
    const key = this.collectionKey(c);
    const web = `${this.apiOrigin}/collections/${key}/${name}`;
    const now = isoDate(Date.UTC(2019, 4, 2, 10, 0, 0));
    const rec: NidmPackRecord = {
      id, collectionId: c.id,
      obj: {
        id, url: web, name, description: '', collection: c.id,
        zip_file: `${web}.zip`, ttl_file: `${web}.ttl`, add_date: now, modify_date: now, polymorphic_ctype: 47,
      },
    };
    this.packs.set(id, rec);
    c.packIds.push(id);
    for (const [i, init] of statmapInits.entries()) {
      const stem = (init.$filename ?? `TStatistic_${i + 1}.nii.gz`);
      this.addImage(c, {
        $kind: 'nidm', ...init, $filename: `${name}/${stem}`,
        nidm_results: web, nidm_results_ttl: `${web}.ttl`,
        description: `NIDM Results: ${name}.zip > ${stem}`,
      });
    }
    c.obj.number_of_images = c.imageIds.length + c.packIds.length;
    return rec;
  }

  lookupFile(collKey: string, fileName: string): ImageRecord | undefined {
    this.materialize(/^\d+$/.test(collKey) ? Number(collKey) : (this.tokens.get(collKey) ?? -1));
    const id = this.files.get(`${collKey}\0${fileName}`);
    return id === undefined ? undefined : this.images.get(id);
  }

  fileBody(imageId: number): Buffer {
    const im = this.getImage(imageId);
    if (!im) throw new Error(`no image ${imageId}`);
    switch (im.fileMode) {
      case 'missing': return Buffer.alloc(0);
      case 'html': return Buffer.from(LOGIN_PAGE_HTML);
      case 'uploaded': return im.upload!.bytes;
      case 'map': {
        let body = this.mapBodies.get(imageId);
        if (!body) this.mapBodies.set(imageId, (body = statMapNiftiGz(im.map!)));
        return body;
      }
      case 'generated': {
        const hit = this.fileCache.get(imageId);
        if (hit) return hit;
        const body = niftiGz(hashString(`file:${imageId}`), im.fileTarget);
        this.fileCache.set(imageId, body);
        this.fileCacheBytes += body.length;
        // evict oldest: bodies are deterministic, so a miss only costs regeneration
        for (const [k, v] of this.fileCache) {
          if (this.fileCacheBytes <= FILE_CACHE_LIMIT) break;
          this.fileCache.delete(k);
          this.fileCacheBytes -= v.length;
        }
        return body;
      }
    }
  }

  isMember(c: CollectionRecord, user: User | undefined): boolean {
    return !!user && (c.ownerId === user.id || c.contributorIds.includes(user.id));
  }
}
