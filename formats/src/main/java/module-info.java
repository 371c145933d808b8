/**
 * vil4j's tensor file formats: a strict, dependency-free reader and writer of
 * <a href="https://github.com/huggingface/safetensors">safetensors</a> files, and a code-free reader of PyTorch
 * torch.save checkpoints.
 */
module org.vil4j.formats {
    requires org.vil4j.api;

    exports org.vil4j.formats.safetensors;
    exports org.vil4j.formats.json;
    exports org.vil4j.formats.torch;
}
