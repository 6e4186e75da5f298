export {
  assign,
  checkFeatureNames,
  fitSegments,
  OUTLIERS_ID,
  project,
  SegmentDataError,
  SegmentFeatureError,
  segmentsFromJSON,
  segmentsToJSON,
  SEGMENTS_KIND,
  SEGMENTS_VERSION,
} from './segments.ts';
export type { DbscanOptions, Segment, SegmentModel, SegmentOptions } from './segments.ts';
export { dbscan, estimateEps } from './dbscan.ts';
export type { DbscanResult } from './dbscan.ts';
export { hungarian } from './hungarian.ts';
export { featureReaders, nameSegments, rankTraits } from './naming.ts';
export type { FeatureReader, NamingOptions, OneHotSource, Trait } from './naming.ts';
export { silhouetteScore } from './silhouette.ts';
