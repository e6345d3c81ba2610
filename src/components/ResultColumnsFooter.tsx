import { Text } from '@grafana/ui';
import React from 'react';

import { OPTION_LABEL_WIDTH } from './layout';
import { TimeBindingSwitch } from './QueryOptions';

interface Props {
  /** Why the result columns could not be read, if they could not. */
  error?: string;
  timeFilter: boolean;
  onTimeFilterChange: (timeFilter: boolean) => void;
}

/** The end of the variable and annotation editors: column read errors, then time-range binding. */
export function ResultColumnsFooter({ error, timeFilter, onTimeFilterChange }: Props) {
  return (
    <>
      {error && (
        <Text variant="bodySmall" color="warning">
          Could not read the result columns: {error}
        </Text>
      )}
      <TimeBindingSwitch labelWidth={OPTION_LABEL_WIDTH} value={timeFilter} onChange={onTimeFilterChange} />
    </>
  );
}
