/** A test double of `lightning/uiRelatedListApi`: the getRelatedListRecords wire adapter. */
import { wireAdapterDouble } from './lwc.ts';

export const getRelatedListRecords = wireAdapterDouble('getRelatedListRecords');
