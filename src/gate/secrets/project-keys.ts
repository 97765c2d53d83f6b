// Zuul's project keys: an RSA-4096 key pair per project (canonical name),
// made on first use, the public half served for `zuul-client encrypt`, the
// private half sealed at rest with the server's SecretBox. Two processes
// racing to make a project's key keep the first one written.

import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../../core/index.js';

const generate = promisify(generateKeyPair);

export interface ProjectKey {
  project: string;
  publicPem: string;
  privatePem: string;
}

export class ProjectKeys {
  private readonly pending = new Map<string, Promise<ProjectKey>>();

  constructor(private readonly db: Kysely<any>, private readonly box: SecretBox, private readonly bits = 4096) {}

  /** The project's key pair, made and stored when it has none. */
  get(project: string): Promise<ProjectKey> {
    let p = this.pending.get(project);
    if (!p) {
      p = this.load(project).finally(() => this.pending.delete(project));
      this.pending.set(project, p);
    }
    return p;
  }

  private async load(project: string): Promise<ProjectKey> {
    const row = await this.db.selectFrom('gate_project_keys').selectAll().where('project', '=', project).executeTakeFirst();
    if (row) return { project, publicPem: row.public_pem as string, privatePem: this.box.open(row.private_sealed as string) };
    const { publicKey, privateKey } = await generate('rsa', {
      modulusLength: this.bits,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await this.db.insertInto('gate_project_keys')
      .values({ project, public_pem: publicKey, private_sealed: this.box.seal(privateKey), created_at: Date.now() })
      .onConflict((oc) => oc.column('project').doNothing())
      .execute();
    // Another process may have won the race: use what is stored.
    const stored = await this.db.selectFrom('gate_project_keys').selectAll().where('project', '=', project).executeTakeFirstOrThrow();
    return { project, publicPem: stored.public_pem as string, privatePem: this.box.open(stored.private_sealed as string) };
  }
}
