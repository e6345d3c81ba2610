import { AnnotationQuery, AnnotationSupport } from '@grafana/data';
import { of, throwError } from 'rxjs';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { EXAMPLE_ANNOTATION_SQL } from './examples';
import { framesToAnnotations } from './query/frames';
import { defaultQuery, migrateQuery, sqlOf } from './query/migrate';
import { MicromegasQuery } from './types';

type Anno = AnnotationQuery<MicromegasQuery>;

/** SQL annotations: a table query whose columns map to time, end time, text and tags. */
export function createAnnotationSupport(): AnnotationSupport<MicromegasQuery> {
  return {
    QueryEditor: AnnotationQueryEditor,
    getDefaultQuery: () => ({ ...defaultQuery(), query: EXAMPLE_ANNOTATION_SQL }),
    prepareAnnotation: (json: Anno & { query?: string; rawQuery?: string }): Anno => {
      // Older annotation JSON may carry the SQL at the top level instead of in `target`.
      if (json.target) {
        return { ...json, target: migrateQuery(json.target, 'Anno') };
      }
      const sql = typeof json.rawQuery === 'string' ? json.rawQuery : typeof json.query === 'string' ? json.query : '';
      return { ...json, target: { ...migrateQuery({ refId: 'Anno', query: sql }, 'Anno'), format: 'table' } };
    },
    prepareQuery: (anno: Anno) => {
      if (!anno.target || sqlOf(anno.target).trim() === '') {
        return undefined;
      }
      return { ...migrateQuery(anno.target, 'Anno'), format: 'table', autoLimit: false };
    },
    processEvents: (anno: Anno, frames) => {
      try {
        return of(framesToAnnotations(frames, anno.target?.annotation));
      } catch (err) {
        return throwError(() => err);
      }
    },
  };
}
