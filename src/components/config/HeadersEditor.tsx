import { Button, Input, SecretInput, Stack } from '@grafana/ui';
import React from 'react';

import { headerSlots, nextHeaderIndex, Settings } from '../../config/settings';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/**
 * Extra gRPC metadata sent with every call. Names are plain settings; values are secrets
 * (`httpHeaderValueN`). Rows keep their slot number, so removing one never shifts a stored
 * secret onto another header's name; a removed slot's secret is cleared.
 */
export function HeadersEditor({ options, onOptionsChange }: Props) {
  const slots = headerSlots(options);

  const setName = (index: number, name: string) =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, [`httpHeaderName${index}`]: name } });

  const setValue = (index: number, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, [`httpHeaderValue${index}`]: value } });

  const resetValue = (index: number) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...options.secureJsonFields, [`httpHeaderValue${index}`]: false },
      secureJsonData: { ...options.secureJsonData, [`httpHeaderValue${index}`]: '' },
    });

  const remove = (index: number) => {
    const jsonData = { ...options.jsonData };
    delete jsonData[`httpHeaderName${index}`];
    onOptionsChange({
      ...options,
      jsonData,
      secureJsonFields: { ...options.secureJsonFields, [`httpHeaderValue${index}`]: false },
      secureJsonData: { ...options.secureJsonData, [`httpHeaderValue${index}`]: '' },
    });
  };

  const add = () => {
    const index = nextHeaderIndex(slots);
    onOptionsChange({
      ...options,
      jsonData: { ...options.jsonData, [`httpHeaderName${index}`]: '' },
      secureJsonData: { ...options.secureJsonData, [`httpHeaderValue${index}`]: '' },
      secureJsonFields: { ...options.secureJsonFields, [`httpHeaderValue${index}`]: false },
    });
  };

  return (
    <Stack direction="column" gap={1}>
      {slots.map((slot) => (
        <Stack key={slot.index} direction="row" gap={1} alignItems="center">
          <Input
            aria-label={`Header ${slot.index} name`}
            placeholder="x-custom-header"
            width={30}
            value={slot.name}
            invalid={slot.name.trim() === ''}
            onChange={(e) => setName(slot.index, e.currentTarget.value)}
          />
          <SecretInput
            aria-label={`Header ${slot.index} value`}
            placeholder="value"
            width={40}
            isConfigured={slot.configured}
            value={slot.value ?? ''}
            onChange={(e) => setValue(slot.index, e.currentTarget.value)}
            onReset={() => resetValue(slot.index)}
          />
          <Button
            type="button"
            variant="secondary"
            size="sm"
            icon="trash-alt"
            aria-label={`Remove header ${slot.index}`}
            onClick={() => remove(slot.index)}
          />
        </Stack>
      ))}
      <div>
        <Button type="button" variant="secondary" size="sm" icon="plus" onClick={add}>
          Add header
        </Button>
      </div>
    </Stack>
  );
}
