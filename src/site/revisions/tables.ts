/** The revision store's rows, as the migrations (migrations.ts) create them: JSON as text, booleans as 0/1, times as epoch ms. */
export interface CounterRow {
  name: string;
  value: number;
}
export interface SettingRow {
  name: string;
  value: string;
}
export interface RevisionRow {
  id: number;
  created_at: number;
}
export interface DocumentRow {
  id: number;
  revision_id: number;
  bucket: string;
  schema: string;
  layer: string;
  name: string;
  metadata: string;
  data: string;
  encrypted: number;
  data_hash: string;
  metadata_hash: string;
  orig_revision_id: number;
  deleted: number;
  created_at: number;
}
export interface TagRow {
  revision_id: number;
  tag: string;
  data: string;
  created_at: number;
}
export interface ValidationRow {
  id: number;
  revision_id: number;
  name: string;
  status: string;
  validator: string;
  errors: string;
  created_at: number;
}

export interface Tables {
  site_counters: CounterRow;
  site_settings: SettingRow;
  site_revisions: RevisionRow;
  site_documents: DocumentRow;
  site_revision_tags: TagRow;
  site_validations: ValidationRow;
}
