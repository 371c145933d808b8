package org.vil4j.opencl;

import org.vil4j.api.IndexTable;

/** An index table in the device's int arena; min/max are kept so ops can bounds-check without reading it back. */
record DeviceIndexTable(int rows, int cols, int offset, int min, int max) implements IndexTable {
}
