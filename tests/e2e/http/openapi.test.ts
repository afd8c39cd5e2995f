import { spawnSync } from 'node:child_process';
import { useTestServer } from '../../support/use-test-server';

/** The validator ships as ESM only, which jest's CommonJS runtime cannot load: run it in node itself. */
function validateOpenApi(document: unknown): { valid: boolean; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const result = await new Validator().validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), encoding: 'utf8', cwd: process.cwd() });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

describe('OpenAPI description and docs', () => {
  const ctx = useTestServer({ NODE_ENV: 'production' });

  it('serves a valid OpenAPI 3.1 document', async () => {
    const response = await ctx.api.get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const result = validateOpenApi(response.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // One version: package.json's.
    expect(response.body.info.version).toBe(require('../../../package.json').version);
    expect(validateOpenApi({ openapi: '3.1.0', info: { title: 'x' }, paths: 42 }).valid).toBe(false);
  });

  it('describes every mounted /v1 route, and nothing that is not mounted', async () => {
    const document = (await ctx.api.get('/openapi.json')).body;
    const described = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const mounted = ctx.server.restRoutes.map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`).sort();
    expect(mounted.length).toBeGreaterThan(10);
    expect(described).toEqual(mounted);
  });

  it('takes request schemas from the validation classes, unknown fields refused', async () => {
    const { components } = (await ctx.api.get('/openapi.json')).body;
    expect(components.schemas.CreateUserInput).toMatchObject({
      additionalProperties: false,
      required: expect.arrayContaining(['username', 'email', 'password', 'firstName', 'lastName']),
      properties: { username: { pattern: '^[A-Za-z0-9_.-]{3,32}$' }, firstName: { minLength: 1, maxLength: 100 } },
    });
    expect(components.schemas.UpdateUserInput.properties.phone.type).toEqual(['string', 'null']);
    expect(components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves a browsable /docs page whose assets come from this server', async () => {
    const page = await ctx.api.get('/docs');
    expect(page.status).toBe(200);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/docs/')).toBe(true);
      expect((await ctx.api.get(asset)).status).toBe(200);
    }
    expect((await ctx.api.get('/docs/init.js')).text).toContain('/openapi.json');
  });
});
