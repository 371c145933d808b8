/**
 * The Vision-LSTM backbones of the reference code (VisionLSTM = v1, VisionLSTM2 = v2) described over the op set,
 * their named presets, and the "mlstm" sequence mixer. Knows no backend and no device memory.
 */
module org.vil4j.vil {
    requires org.vil4j.api;

    exports org.vil4j.vil;

    uses org.vil4j.api.TraversalStrategy;
    uses org.vil4j.api.SequenceMixer;
    uses org.vil4j.api.Head;

    provides org.vil4j.api.SequenceMixer with org.vil4j.vil.MlstmMixer;
}
