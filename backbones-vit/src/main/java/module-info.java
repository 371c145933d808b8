/**
 * DeiT-III's VisionTransformer (the reference's {@code vision_lstm.VisionTransformer} on kappamodules' ViT blocks)
 * as a backbone plugin ("vit"), and softmax self-attention as a sequence mixer plugin ("attention"), usable in any
 * backbone that takes mixers. Written against the public API only, as a third party's jar would be.
 */
module org.vil4j.vit {
    requires org.vil4j.api;

    exports org.vil4j.vit;

    // the head that pools (class_token by default) is looked up by name
    uses org.vil4j.api.Head;

    provides org.vil4j.api.Backbone with org.vil4j.vit.VitBackbone;
    provides org.vil4j.api.SequenceMixer with org.vil4j.vit.AttentionMixer;
}
