import type { Command } from 'commander';
import { action, table } from '../core/cli/index.js';

/** `strata token …`: API tokens, administered through the server (admin role). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens (roles admin, member, reader, scoped to a project)');
  token
    .command('create')
    .description('create a token and print it (shown only once)')
    .requiredOption('--role <role>', 'admin, member or reader')
    .requiredOption('--project <project>', 'the project the token acts in')
    .option('--name <name>', 'a label for listings')
    .option('--ttl <seconds>', 'expire after this many seconds')
    .action(
      action(async (ctx, opts: { role: string; project: string; name?: string; ttl?: string }) => {
        const body = { role: opts.role, project: opts.project, name: opts.name, ttl_seconds: opts.ttl === undefined ? undefined : Number(opts.ttl) };
        const created = await ctx.client().post('/auth/v1/tokens', body);
        ctx.out(created, (c) => c.token);
      }),
    );
  token
    .command('list')
    .description('list tokens (never their values)')
    .action(
      action(async (ctx) => {
        const { tokens } = await ctx.client().get('/auth/v1/tokens');
        ctx.out(tokens, (ts: any[]) => table(['ID', 'NAME', 'ROLE', 'PROJECT', 'EXPIRES', 'REVOKED'], ts.map((t) => [t.id, t.name, t.role, t.project, t.expiresAt ?? '-', t.revoked])));
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token')
    .action(
      action(async (ctx, id: string) => {
        ctx.out(await ctx.client().delete(`/auth/v1/tokens/${encodeURIComponent(id)}`), (t) => `revoked ${t.id}`);
      }),
    );
}

/** `strata secrets rotate-key`: re-seal every stored secret under a new key, while the server runs. */
export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('the key stored secrets are sealed with');
  secrets
    .command('rotate-key')
    .description('re-seal every stored secret under a new key (online); with STRATA_SECRET_KEY deployments, give the new key in a file')
    .option('--new-key-file <file>', 'the new key (base64 of 32 random bytes), for servers whose key comes from STRATA_SECRET_KEY')
    .action(
      action(async (ctx, opts: { newKeyFile?: string }) => {
        const { readFile } = await import('node:fs/promises');
        const body = opts.newKeyFile ? { new_key: (await readFile(opts.newKeyFile, 'utf8')).trim() } : {};
        const r = await ctx.client().post('/auth/v1/secret-key/rotate', body);
        ctx.out(r, (x: { resealed: number; tables: string[]; key: string }) => `re-sealed ${x.resealed} secret(s) in ${x.tables.join(', ') || 'no table'}; key ${x.key}`);
      }),
    );
}
