package org.vil4j.formats.safetensors;

import java.util.Map;

/**
 * A header that passed every check: where the data buffer starts in the file, how long it is, the tensors in header
 * order and the {@code __metadata__} map (empty when absent).
 */
record SafetensorsHeader(int dataStart, long dataLength, Map<String, TensorEntry> entries, Map<String, String> metadata) {
}
