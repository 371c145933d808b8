package org.vil4j.training;

import org.vil4j.api.Tensor;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VisionLstm;

import java.util.Map;

/** A ViL as the trainer sees it: every weight is trained. */
record VilTrainedModel(VisionLstm vil) implements TrainedModel {
    @Override
    public Tensor logits(Tensor images) {
        return vil.forward(images, ActivationSink.NONE);
    }

    @Override
    public Map<String, Tensor> parameters() {
        return vil.parameters();
    }

    @Override
    public Map<String, Tensor> trained() {
        return vil.parameters();
    }

    @Override
    public int blocks() {
        return vil.config().depth();
    }

    @Override
    public String description() {
        return "a ViL";
    }
}
