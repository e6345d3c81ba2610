import { Stack, Text } from '@grafana/ui';
import React from 'react';

interface Props {
  examples: ReadonlyArray<{ title: string; sql: string }>;
}

/** A muted list of example queries under an editor: one per line, title then SQL on one line. */
export function QueryExamplesHint({ examples }: Props) {
  return (
    <Stack direction="column" gap={0}>
      <Text variant="bodySmall" color="secondary">
        Examples
      </Text>
      {examples.map((e) => (
        <Text key={e.title} variant="bodySmall" color="secondary" truncate>
          {e.title}: <code>{e.sql.replace(/\s+/g, ' ')}</code>
        </Text>
      ))}
    </Stack>
  );
}
