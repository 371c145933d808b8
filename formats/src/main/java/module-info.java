/**
 * vil4j's tensor file formats: a strict, dependency-free reader and writer of
 * <a href="https://github.com/huggingface/safetensors">safetensors</a> files.
 */
module org.vil4j.formats {
    requires org.vil4j.api;

    exports org.vil4j.formats.safetensors;
    exports org.vil4j.formats.json;
}
