/**
 * Reading ({@link org.vil4j.formats.safetensors.SafetensorsFile}) and writing
 * ({@link org.vil4j.formats.safetensors.SafetensorsWriter}) safetensors files. The reader validates every header
 * field against the real file size before it trusts it, and reports each violation as a
 * {@link org.vil4j.formats.safetensors.SafetensorsFormatException} naming the file and the tensor.
 */
package org.vil4j.formats.safetensors;
