import { CoreApp, QueryEditorProps } from '@grafana/data';
import { Alert, Button, Stack, Text } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import type { DataSource } from '../datasource';
import { QueryExample } from '../examples';
import { migrateQuery } from '../query/migrate';
import { sentQueryRange } from '../query/sentRange';
import { formatSql } from '../sql/format';
import { tablesInStatement, viewOf } from '../sql/tableRefs';
import { QUERY_MODEL_VERSION } from '../shared/query';
import { MicromegasOptions, MicromegasQuery } from '../types';
import { BuilderSwitch } from './builder/BuilderSwitch';
import { hostHasRunAndHelp, QueryHelp } from './QueryHelp';
import { QueryOptions } from './QueryOptions';
import { SqlCodeEditor } from './SqlCodeEditor';

type Props = QueryEditorProps<DataSource, MicromegasQuery, MicromegasOptions>;

export function QueryEditor({ query, onChange, onRunQuery, datasource, app, data, range }: Props) {
  const [showHelp, setShowHelp] = useState(false);
  const [formatError, setFormatError] = useState<string>();

  // Saved upstream queries (and older ones of ours) are rewritten once, keeping their behaviour.
  const needsMigration = query.version !== QUERY_MODEL_VERSION || query.query === undefined;
  useEffect(() => {
    if (needsMigration) {
      onChange(migrateQuery(query));
    }
  }, [needsMigration]); // eslint-disable-line react-hooks/exhaustive-deps

  const current = needsMigration ? migrateQuery(query) : query;
  const sql = current.query ?? '';
  const change = (next: MicromegasQuery) => onChange(next);

  const onSqlChange = (text: string, run: boolean) => {
    if (text !== sql) {
      change({ ...current, query: text });
    }
    if (run) {
      onRunQuery();
    }
  };

  const onFormat = () => {
    try {
      change({ ...current, query: formatSql(sql) });
      setFormatError(undefined);
    } catch (err) {
      setFormatError(`Could not format this SQL: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const onUseExample = (example: QueryExample) => {
    change({ ...current, query: example.sql, format: example.format });
    setShowHelp(false);
  };

  const sentRange = sentQueryRange(data?.series, query.refId);
  const readsLogs = tablesInStatement(sql).some((t) => viewOf(t) === 'log_entries');
  const suggestLogs = app === CoreApp.Explore && readsLogs && current.format !== 'logs';
  // Grafana's query row already runs the query and opens QueryEditorHelp: no second button.
  const ownControls = !hostHasRunAndHelp(app);

  return (
    <Stack direction="column" gap={1}>
      <QueryOptions query={current} onChange={change} maxRows={datasource.options.rowLimit} />
      {sentRange && (
        <Text
          variant="bodySmall"
          color="secondary"
          data-testid="micromegas-sent-range"
          title="query_range_begin and query_range_end of the last run: Micromegas reads only the partitions in this range"
        >
          Sent to Micromegas: {sentRange.begin} → {sentRange.end}
        </Text>
      )}
      <BuilderSwitch query={current} onChange={change} datasource={datasource} range={range ?? data?.timeRange}>
        <SqlCodeEditor sql={sql} schema={datasource.schema} onChange={onSqlChange} />
      </BuilderSwitch>
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        {ownControls && (
          <Button size="sm" variant="primary" icon="play" onClick={() => onRunQuery()}>
            Run query
          </Button>
        )}
        <Button size="sm" variant="secondary" icon="brackets-curly" onClick={onFormat} disabled={sql.trim() === ''}>
          Format SQL
        </Button>
        {ownControls && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon="question-circle"
            onClick={() => setShowHelp(!showHelp)}
          >
            {showHelp ? 'Hide query help' : 'Query help'}
          </Button>
        )}
        <Text variant="bodySmall" color="secondary">
          Ctrl/Cmd+Enter runs the query.
        </Text>
      </Stack>
      {sql.trim() === '' && (
        <Text variant="bodySmall" color="secondary">
          Enter a SQL query (or pick one from Query help); empty queries are not run.
        </Text>
      )}
      {suggestLogs && (
        <Alert severity="info" title="This query reads log entries">
          <Button size="sm" variant="secondary" onClick={() => change({ ...current, format: 'logs' })}>
            Show as logs
          </Button>
        </Alert>
      )}
      {formatError && (
        <Alert severity="warning" title="Format SQL" onRemove={() => setFormatError(undefined)}>
          {formatError}
        </Alert>
      )}
      {ownControls && showHelp && <QueryHelp onUseExample={onUseExample} />}
    </Stack>
  );
}
