// The pages, one folder per module. A module's page appears only when the
// server runs that module (from /healthz); a module adds its folder and one
// line here.
import type { FunctionComponent } from 'preact';
import type { Me } from '../shell/api.ts';
import { overviewPage } from './overview/index.tsx';
import { gatePages } from './gate/index.tsx';
import { nodePages } from './nodes/index.tsx';
import { sandboxPages } from './sandboxes/index.tsx';
import { sitePages } from './site/index.tsx';
import { accelPages } from './accel/index.tsx';
import { alarmPages } from './alarms/index.tsx';
import { fleetPages } from './fleet/index.tsx';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
  me: Me;
  modules: string[];
}

export interface PageDef {
  /** `/nodes/:id` */
  path: string;
  title: string;
  /** The server module it needs; none for the overview. */
  module?: string;
  /** Shown in the navigation (list pages, not detail pages). */
  nav?: boolean;
  component: FunctionComponent<PageProps>;
}

export const PAGES: PageDef[] = [overviewPage, ...gatePages, ...nodePages, ...sandboxPages, ...sitePages, ...accelPages, ...alarmPages, ...fleetPages];
