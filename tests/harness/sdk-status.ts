// How Grafana's server reads DataResponse.status from a plugin. Stand-in for code that is
// only published as Go (github.com/grafana/grafana-plugin-sdk-go, not reachable from CI):
// - backend/convert_from_protobuf.go QueryDataResponse: a status outside 100–599 (IsValid
//   in backend/status.go) becomes StatusUnknown, which is 500;
// - backend/json.go writeDataResponseJSON then writes that number as "status" in the
//   /api/ds/query answer the browser reads.

/** backend.StatusUnknown (http.StatusInternalServerError). */
export const SDK_STATUS_UNKNOWN = 500;

/** The status Grafana reports to the browser for a plugin's DataResponse.status. */
export function sdkDataResponseStatus(pluginStatus: number | undefined): number {
  const s = pluginStatus ?? 0;
  return s >= 100 && s < 600 ? s : SDK_STATUS_UNKNOWN;
}
