import type { AuditQueryService } from '../audit/audit-query.service';
import type { PasswordService } from '../auth/passwords/password.service';
import type { SessionService } from '../auth/sessions/session.service';
import type { UserService } from './user.service';
import { PAGE_PARAMS, presentAuditPage } from '../audit/audit-log.presenter';
import { contextOf, requireJsonBody } from '../http/json-body';
import { parseQueryParams } from '../http/query-params';
import { presentSession, presentUser, presentUserJson } from './user.presenter';
import { parseUserListQuery } from './user-list.query';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import { ifMatch, setEtag } from '../http/etag';

export interface UsersRouterServices {
  users: UserService;
  sessions: SessionService;
  passwords: PasswordService;
  auditQueries: AuditQueryService;
}

/** /v1/users: thin handlers over the same services GraphQL uses. */
export function usersRouter({ users, sessions, passwords, auditQueries }: UsersRouterServices, guard: RouteGuard) {
  const router = canonicalRouter();

  router.post('/', guard, requireJsonBody, async (req, res) => {
    const user = await users.createUser(contextOf(res), req.body);
    setEtag(res, user.version);
    res.status(201).location(`/v1/users/${user.id}`).json(presentUser(user));
  });

  router.get('/', guard, async (req, res) => {
    const { filter, order, page } = parseUserListQuery(req.query as Record<string, unknown>);
    const result = await users.listUsers(contextOf(res), filter, order, page);
    res.json({
      data: result.items.map(presentUser),
      pagination: { page: result.page, limit: result.limit, total: result.total, totalPages: result.totalPages },
    });
  });

  router.get('/:id', guard, async (req, res) => {
    const user = await users.getUserById(contextOf(res), String(req.params.id));
    setEtag(res, user.version);
    res.type('json').send(presentUserJson(user));
  });

  router.put('/:id', guard, requireJsonBody, async (req, res) => {
    const user = await users.updateUser(contextOf(res), String(req.params.id), req.body, 'replace', ifMatch(req));
    setEtag(res, user.version);
    res.json(presentUser(user));
  });

  router.patch('/:id', guard, requireJsonBody, async (req, res) => {
    const user = await users.updateUser(contextOf(res), String(req.params.id), req.body, 'merge', ifMatch(req));
    setEtag(res, user.version);
    res.json(presentUser(user));
  });

  router.delete('/:id', guard, async (req, res) => {
    await users.deleteUser(contextOf(res), String(req.params.id), ifMatch(req));
    res.status(204).end();
  });

  router.post('/:id/password', guard, requireJsonBody, async (req, res) => {
    await passwords.changePassword(contextOf(res), String(req.params.id), req.body);
    res.status(204).end();
  });

  router.get('/:id/sessions', guard, async (req, res) => {
    res.json({ data: (await sessions.listSessions(contextOf(res), String(req.params.id))).map(presentSession) });
  });

  router.delete('/:id/sessions/:sessionId', guard, async (req, res) => {
    await sessions.revokeSession(contextOf(res), String(req.params.sessionId), String(req.params.id));
    res.status(204).end();
  });

  router.get('/:id/audit-logs', guard, async (req, res) => {
    const values = parseQueryParams(req.query as Record<string, unknown>, PAGE_PARAMS);
    res.json(presentAuditPage(await auditQueries.listUserAuditLogs(contextOf(res), String(req.params.id), values)));
  });

  return router;
}
