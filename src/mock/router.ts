import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

const ALL = 'ALL';

/**
 * A Hono router per HTTP method, each the fastest one that can hold that method's routes: RegExpRouter (one regular
 * expression per method) where it can, TrieRouter where it cannot. Hono's own SmartRouter chooses once for all
 * methods, and RegExpRouter cannot take the contract's POST paths (/bom/create beside /bom/:bomId/propertyvalue),
 * so every GET would otherwise be matched by the slower TrieRouter.
 */
export class PerMethodRouter<T> implements Router<T> {
  name = 'PerMethodRouter';
  private routes: Array<[method: string, path: string, handler: T]> | undefined = [];
  private readonly routers = new Map<string, Router<T>>();

  add(method: string, path: string, handler: T): void {
    if (!this.routes) throw new Error('PerMethodRouter: routes cannot be added once requests are being matched');
    this.routes.push([method, path, handler]);
  }

  match(method: string, path: string): Result<T> {
    if (this.routes) this.build(this.routes);
    // A method with no routes of its own still matches the routes registered for all methods.
    const router = this.routers.get(method) ?? this.routers.get(ALL);
    if (!router) throw new Error('PerMethodRouter: no routes');
    return router.match(method, path);
  }

  /** Each method's routes with the all-methods ones, in the order they were added. */
  private build(routes: Array<[string, string, T]>): void {
    this.routes = undefined;
    const methods = new Set([ALL, ...routes.map(([method]) => method)]);
    for (const method of methods) {
      const router = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
      for (const route of routes) if (route[0] === method || route[0] === ALL) router.add(...route);
      this.routers.set(method, router);
    }
  }
}
