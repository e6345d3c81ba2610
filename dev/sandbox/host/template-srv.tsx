// TemplateSrv like Grafana's for a single panel: replaces $var, ${var}, ${var:format} and
// [[var]] from the request's scopedVars, the dashboard range variables ($__from, $__to) and
// the sandbox's own variables; unknown names (e.g. macros like $__timeFilter) are left alone.
// On a Scenes dashboard it hands over to the scene, as Grafana's TemplateSrv does
// (grafana/grafana public/app/features/templating/template_srv.ts): scopedVars.__sceneObject,
// else the active scene (window.__grafanaSceneContext), interpolates through sceneGraph.
import type { ScopedVars, TimeRange, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { sceneGraph, type SceneObject } from '@grafana/scenes';

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:}]+))?(?::([^}]+))?\}/g;

type Formatter = string | ((value: unknown, variable?: unknown, fallback?: unknown) => string) | undefined;

export interface SandboxVariable {
  name: string;
  current: string | string[];
  multi?: boolean;
  includeAll?: boolean;
}

function applyFormat(value: unknown, format: Formatter, variable: unknown): string {
  if (typeof format === 'function') {
    return format(value, variable);
  }
  const values = Array.isArray(value) ? value.map(String) : [String(value)];
  switch (format) {
    case 'csv':
      return values.join(',');
    case 'pipe':
      return values.join('|');
    case 'json':
      return JSON.stringify(Array.isArray(value) ? values : values[0]);
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'raw':
    case 'text':
    case undefined:
      return Array.isArray(value) ? (values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? '')) : values[0];
    default:
      return values.join(',');
  }
}

/** The scene object a request comes from (Scenes wraps it; valueOf() unwraps), else the active scene. */
function sceneOf(scopedVars?: ScopedVars): SceneObject | undefined {
  const wrapped = scopedVars?.__sceneObject?.value as { valueOf(): unknown } | undefined;
  const fromRequest = wrapped?.valueOf() as SceneObject | undefined;
  return fromRequest ?? (window as unknown as { __grafanaSceneContext?: SceneObject }).__grafanaSceneContext;
}

export class SandboxTemplateSrv implements TemplateSrv {
  private range: TimeRange | undefined;
  private readonly variables = new Map<string, SandboxVariable>();

  setVariable(variable: SandboxVariable): void {
    this.variables.set(variable.name, variable);
  }

  getVariables(): TypedVariableModel[] {
    return [...this.variables.values()].map(
      (v) =>
        ({
          name: v.name,
          type: 'custom',
          multi: Boolean(v.multi),
          includeAll: Boolean(v.includeAll),
          current: { text: v.current, value: v.current, selected: true },
          options: [],
        }) as unknown as TypedVariableModel
    );
  }

  updateTimeRange(range: TimeRange): void {
    this.range = range;
  }

  private lookup(name: string, scopedVars?: ScopedVars): { value: unknown; variable: unknown } | undefined {
    const scoped = scopedVars?.[name];
    if (scoped) {
      return { value: scoped.value, variable: { name } };
    }
    if (this.range && (name === '__from' || name === '__to')) {
      return { value: String((name === '__from' ? this.range.from : this.range.to).valueOf()), variable: { name } };
    }
    const v = this.variables.get(name);
    if (v) {
      return { value: v.current, variable: { name: v.name, multi: v.multi, includeAll: v.includeAll } };
    }
    return undefined;
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: Formatter): string {
    if (!target) {
      return target ?? '';
    }
    const scene = sceneOf(scopedVars);
    if (scene) {
      return sceneGraph.interpolate(scene, target, scopedVars, format as never);
    }
    return target.replace(VARIABLE, (match, v1, v2, fmt2, v3, _fieldPath, fmt3) => {
      const name = v1 ?? v2 ?? v3;
      const found = this.lookup(name, scopedVars);
      if (!found) {
        return match;
      }
      return applyFormat(found.value, fmt2 ?? fmt3 ?? format, found.variable);
    });
  }

  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    VARIABLE.lastIndex = 0;
    for (const m of target.matchAll(VARIABLE)) {
      if (this.lookup(m[1] ?? m[2] ?? m[4], undefined)) {
        return true;
      }
    }
    return false;
  }
}

export const templateSrv = new SandboxTemplateSrv();
