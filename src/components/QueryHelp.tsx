import { CoreApp, QueryEditorHelpProps } from '@grafana/data';
import { Button, Stack, Text } from '@grafana/ui';
import React from 'react';

import { QUERY_EXAMPLES, QueryExample } from '../examples';
import type { MicromegasQuery } from '../types';

/**
 * Hosts whose query row (Grafana's QueryEditorRow) has its own run control and opens the
 * data source's QueryEditorHelp: the editor shows neither a second time there.
 */
const HOSTS_WITH_RUN_AND_HELP: ReadonlySet<string> = new Set([
  CoreApp.PanelEditor,
  CoreApp.PanelViewer,
  CoreApp.Explore,
  CoreApp.UnifiedAlerting,
  CoreApp.CloudAlerting,
  CoreApp.Correlations,
]);

export function hostHasRunAndHelp(app: string | undefined): boolean {
  return app !== undefined && HOSTS_WITH_RUN_AND_HELP.has(app);
}

/** The help Grafana's query row opens (setQueryEditorHelp): an example replaces the query's SQL and format. */
export function QueryEditorHelp({ query, onClickExample }: QueryEditorHelpProps<MicromegasQuery>) {
  return <QueryHelp onUseExample={(ex) => onClickExample({ ...query, query: ex.sql, format: ex.format })} />;
}

interface Props {
  onUseExample: (example: QueryExample) => void;
}

/** Ready-to-run examples on the real schema, plus the few things worth knowing. */
export function QueryHelp({ onUseExample }: Props) {
  return (
    <div data-testid="micromegas-query-help">
      <Stack direction="column" gap={1}>
        <Text variant="bodySmall" color="secondary">
          Global views: log_entries, measures, processes, streams, blocks, log_stats. Per-process data:{' '}
          <code>
            view_instance(&apos;log_entries&apos; | &apos;measures&apos; | &apos;otel_spans&apos;, process_id)
          </code>
          , <code>view_instance(&apos;thread_spans&apos;, stream_id)</code>,{' '}
          <code>process_spans(process_id, &apos;both&apos;)</code>. Macros: <code>$__dateBin(col)</code>,{' '}
          <code>$__timeFilter(col)</code>, <code>$__timeFrom</code>, <code>$__timeTo</code>, <code>$__interval</code>.
          Time series need a <code>time</code> column; logs use <code>time</code>, <code>level</code> and{' '}
          <code>msg</code>; traces and flame graphs read span columns (<code>id</code>, <code>parent</code>,{' '}
          <code>name</code>, <code>begin</code>, <code>duration</code> in ns).
        </Text>
        {QUERY_EXAMPLES.map((ex) => (
          <div key={ex.title}>
            <Stack direction="row" alignItems="center" gap={1}>
              <Text weight="medium">{ex.title}</Text>
              <Text variant="bodySmall" color="secondary">
                {ex.description}
              </Text>
              <Button
                size="sm"
                variant="secondary"
                fill="outline"
                onClick={() => onUseExample(ex)}
                aria-label={`Use example: ${ex.title}`}
              >
                Use
              </Button>
            </Stack>
            <pre style={{ margin: '4px 0 0', fontSize: 12 }}>{ex.sql}</pre>
          </div>
        ))}
      </Stack>
    </div>
  );
}
