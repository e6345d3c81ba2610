import { quoteLiteral } from '../shared/sql';

import { formatVariableValue } from './interpolate';

describe('formatVariableValue', () => {
  it('escapes quotes in a single value without adding quotes', () => {
    expect(formatVariableValue("O'Brien")).toBe("O''Brien");
  });

  it('quotes and joins multi-value selections', () => {
    expect(formatVariableValue(['a', "b'c"], { multi: true })).toBe("'a','b''c'");
  });

  it('quotes a single value of a multi or include-all variable', () => {
    expect(formatVariableValue('svc', { multi: true })).toBe("'svc'");
    expect(formatVariableValue('svc', { includeAll: true })).toBe("'svc'");
  });

  it('leaves numbers as they are', () => {
    expect(formatVariableValue(42)).toBe('42');
  });

  it('quoteLiteral doubles quotes', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });
});
