// Arrow Flight and Flight SQL messages used by Micromegas, written from the field
// numbers in the Arrow format specification. Only what a Micromegas client or a
// Micromegas-compatible server needs is declared; unknown fields are ignored on decode.
export const GOOGLE_PROTO = `
syntax = "proto3";

package google.protobuf;
message Any { string type_url = 1; bytes value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;

export const ARROW_FLIGHT_PROTO = `
syntax = "proto3";
package arrow.flight.protocol;

message HandshakeRequest { uint64 protocol_version = 1; bytes payload = 2; }
message HandshakeResponse { uint64 protocol_version = 1; bytes payload = 2; }
message Empty {}
message ActionType { string type = 1; string description = 2; }
message Criteria { bytes expression = 1; }
message Action { string type = 1; bytes body = 2; }
message Result { bytes body = 1; }
message SchemaResult { bytes schema = 1; }

message FlightDescriptor {
  enum DescriptorType { UNKNOWN = 0; PATH = 1; CMD = 2; }
  DescriptorType type = 1;
  bytes cmd = 2;
  repeated string path = 3;
}

message Location { string uri = 1; }
message Ticket { bytes ticket = 1; }

message FlightEndpoint {
  Ticket ticket = 1;
  repeated Location location = 2;
  google.protobuf.Timestamp expiration_time = 3;
  bytes app_metadata = 4;
}

message FlightInfo {
  bytes schema = 1;
  FlightDescriptor flight_descriptor = 2;
  repeated FlightEndpoint endpoint = 3;
  int64 total_records = 4;
  int64 total_bytes = 5;
  bool ordered = 6;
  bytes app_metadata = 7;
}

message PollInfo {
  FlightInfo info = 1;
  FlightDescriptor flight_descriptor = 2;
  double progress = 3;
  google.protobuf.Timestamp expiration_time = 4;
}

message FlightData {
  FlightDescriptor flight_descriptor = 1;
  bytes data_header = 2;
  bytes app_metadata = 3;
  bytes data_body = 1000;
}

message PutResult { bytes app_metadata = 1; }

service FlightService {
  rpc Handshake(stream HandshakeRequest) returns (stream HandshakeResponse);
  rpc ListFlights(Criteria) returns (stream FlightInfo);
  rpc GetFlightInfo(FlightDescriptor) returns (FlightInfo);
  rpc PollFlightInfo(FlightDescriptor) returns (PollInfo);
  rpc GetSchema(FlightDescriptor) returns (SchemaResult);
  rpc DoGet(Ticket) returns (stream FlightData);
  rpc DoPut(stream FlightData) returns (stream PutResult);
  rpc DoExchange(stream FlightData) returns (stream FlightData);
  rpc DoAction(Action) returns (stream Result);
  rpc ListActions(Empty) returns (stream ActionType);
}
`;

// Flight SQL commands travel inside google.protobuf.Any with these type URLs.
export const FLIGHT_SQL_PROTO = `
syntax = "proto3";
package arrow.flight.protocol.sql;

message CommandGetSqlInfo { repeated uint32 info = 1; }
message CommandGetCatalogs {}
message CommandGetDbSchemas { optional string catalog = 1; optional string db_schema_filter_pattern = 2; }
message CommandGetTables {
  optional string catalog = 1;
  optional string db_schema_filter_pattern = 2;
  optional string table_name_filter_pattern = 3;
  repeated string table_types = 4;
  bool include_schema = 5;
}
message CommandGetTableTypes {}
message CommandGetXdbcTypeInfo { optional int32 data_type = 1; }
message CommandStatementQuery { string query = 1; optional bytes transaction_id = 2; }
message TicketStatementQuery { bytes statement_handle = 1; }
message CommandStatementUpdate { string query = 1; optional bytes transaction_id = 2; }
message CommandPreparedStatementQuery { bytes prepared_statement_handle = 1; }
message CommandPreparedStatementUpdate { bytes prepared_statement_handle = 1; }

message ActionCreatePreparedStatementRequest { string query = 1; optional bytes transaction_id = 2; }
message ActionCreatePreparedStatementResult {
  bytes prepared_statement_handle = 1;
  bytes dataset_schema = 2;
  bytes parameter_schema = 3;
}
message ActionClosePreparedStatementRequest { bytes prepared_statement_handle = 1; }

message CommandStatementIngest {
  message TableDefinitionOptions {
    enum TableNotExistOption {
      TABLE_NOT_EXIST_OPTION_UNSPECIFIED = 0;
      TABLE_NOT_EXIST_OPTION_CREATE = 1;
      TABLE_NOT_EXIST_OPTION_FAIL = 2;
    }
    enum TableExistsOption {
      TABLE_EXISTS_OPTION_UNSPECIFIED = 0;
      TABLE_EXISTS_OPTION_FAIL = 1;
      TABLE_EXISTS_OPTION_APPEND = 2;
      TABLE_EXISTS_OPTION_REPLACE = 3;
    }
    TableNotExistOption if_not_exist = 1;
    TableExistsOption if_exists = 2;
  }
  TableDefinitionOptions table_definition_options = 1;
  string table = 2;
  optional string schema = 3;
  optional string catalog = 4;
  bool temporary = 5;
  optional bytes transaction_id = 6;
  map<string, string> options = 1000;
}

message DoPutUpdateResult { int64 record_count = 1; }
`;

export const FLIGHT_SQL_TYPE_PREFIX = 'type.googleapis.com/arrow.flight.protocol.sql.';
