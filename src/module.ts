import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/config/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { QueryEditorHelp } from './components/QueryHelp';
import { DataSource } from './datasource';
import { MicromegasOptions, MicromegasQuery, MicromegasSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, MicromegasQuery, MicromegasOptions, MicromegasSecureJsonData>(
  DataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setQueryEditorHelp(QueryEditorHelp);
