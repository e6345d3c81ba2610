import {
  createDataFrame,
  CustomVariableSupport,
  DataQueryRequest,
  DataQueryResponse,
  FieldType,
  LoadingState,
} from '@grafana/data';
import { catchError, from, map, Observable, of } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { MicromegasQuery } from './types';

/** Query variables: SQL, value/text columns and time-range binding, run through the backend. */
export class MicromegasVariableSupport extends CustomVariableSupport<DataSource, MicromegasQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<MicromegasQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    if (!target) {
      return of({ data: [] });
    }
    return from(this.datasource.metricFindQuery(target, { range: request.range, scopedVars: request.scopedVars })).pipe(
      map((values) => ({
        data: [
          createDataFrame({
            refId: target.refId,
            fields: [
              { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
              { name: 'value', type: FieldType.string, values: values.map((v) => v.value ?? v.text) },
            ],
          }),
        ],
      })),
      catchError((err: unknown) => {
        // Both shapes: Scenes reads `error`, older variable code reads `errors`.
        const error = { message: err instanceof Error ? err.message : String(err), refId: target.refId };
        return of({ data: [], state: LoadingState.Error, error, errors: [error] });
      })
    );
  }
}
