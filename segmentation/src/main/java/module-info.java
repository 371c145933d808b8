/**
 * Semantic segmentation on ViL backbones (issue 15): multi-depth features as grids, decoders that declare their
 * parameters and compose {@link org.vil4j.api.Ops} calls (linear, UperNet + auxiliary FCN), segmentation datasets and
 * joint augmentation, training, metrics and model files.
 */
module org.vil4j.segmentation {
    requires transitive org.vil4j.api;
    requires transitive org.vil4j.vil;
    requires transitive org.vil4j.training;
    requires org.vil4j.formats;
    requires java.desktop;

    exports org.vil4j.segmentation;
    exports org.vil4j.segmentation.data;

    provides org.vil4j.api.Head with
            org.vil4j.segmentation.DecoderHead.Linear,
            org.vil4j.segmentation.DecoderHead.UperNet;
}
