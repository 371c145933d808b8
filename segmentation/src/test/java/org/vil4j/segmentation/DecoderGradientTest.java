package org.vil4j.segmentation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.conformance.kit.SharedBackends;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every decoder's backward, with four distinct features and every parameter (the auxiliary head's too) as inputs:
 * against finite differences on java, and PoCL's forward and every gradient against Java's. (The head kit,
 * DecoderHeadKitTest, adds finite differences on PoCL.)
 */
class DecoderGradientTest {
    private static final int DIM = 6, GRID = 4, CLASSES = 3;

    private static Decoder decoder(String name) {
        return name.equals("upernet") ? new UperNetDecoder(DIM, 4, CLASSES, new double[]{4, 2, 1, 0.5})
                : new LinearDecoder(DIM, CLASSES);
    }

    /** Inputs: the features (batch 2, 4x4 grid) then every parameter; the output: main and aux logits flattened. */
    private static List<Shape> shapes(Decoder d) {
        List<Shape> s = new ArrayList<>();
        for (int i = 0; i < d.featureCount(); i++) {
            s.add(Shape.of(2, GRID * GRID, DIM));
        }
        s.addAll(d.parameterShapes().values());
        return s;
    }

    private static BiFunction<Ops, List<Tensor>, Tensor> op(Decoder d) {
        List<String> names = new ArrayList<>(d.parameterShapes().keySet());
        return (o, t) -> {
            List<FeatureMap> features = new ArrayList<>();
            for (int i = 0; i < d.featureCount(); i++) {
                features.add(new FeatureMap(t.get(i), GRID, GRID));
            }
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                params.put(names.get(i), t.get(d.featureCount() + i));
            }
            Decoder.Output out = d.forward(o, params, features);
            Tensor main = o.reshape(out.logits().tokens(), Shape.of(out.logits().tokens().shape().size()));
            if (out.auxLogits() == null) {
                return main;
            }
            Tensor aux = out.auxLogits().tokens();
            // side by side as rows of one tensor: both heads' gradients are checked at once
            return o.concatColumns(o.reshape(main, Shape.of(1, main.shape().size())),
                    o.reshape(aux, Shape.of(1, aux.shape().size())));
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "upernet"})
    void gradientsMatchFiniteDifferencesOnJava(String name) {
        Decoder d = decoder(name);
        GradCheck.check(SharedBackends.ops("java"), name, shapes(d), op(d), 6);
    }

    @Test
    void openclMatchesJavaForwardAndBackward() {
        for (String name : List.of("linear", "upernet")) {
            Decoder d = decoder(name);
            List<Shape> shapes = shapes(d);
            List<float[]> v = GradCheck.randomInputs(shapes, 11);
            GradientTape java = new GradientTape(SharedBackends.ops("java"));
            GradientTape opencl = new GradientTape(SharedBackends.ops("opencl"));
            GradCheck.Result j = GradCheck.analytic(java, shapes, v, null, op(d));
            float[] r = GradCheck.randomInputs(List.of(Shape.of(j.output().length)), 12).get(0);
            j = GradCheck.analytic(java, shapes, v, r, op(d));
            GradCheck.Result o = GradCheck.analytic(opencl, shapes, v, r, op(d));
            assertThat(GradCheck.relativeError(o.output(), j.output())).as(name).isLessThanOrEqualTo(1e-4);
            for (int i = 0; i < shapes.size(); i++) {
                assertThat(GradCheck.relativeError(o.gradients().get(i), j.gradients().get(i)))
                        .as("%s input %d %s", name, i, shapes.get(i)).isLessThanOrEqualTo(1e-3);
            }
        }
    }

    @Test
    void transposedConvolutionPlacesEachTokensBlock() {
        // 1 channel in, 1 out, s = 2: weight rows (dy, dx) = 1, 2, 3, 4, bias 0.5: token value v gives block
        // [[v + .5, 2v + .5], [3v + .5, 4v + .5]]
        DecoderLayers layers = new DecoderLayers();
        layers.declareDeconv("up", 1, 1, 2);
        Ops ops = SharedBackends.ops("java");
        Map<String, Tensor> p = Map.of("up.weight", ops.parameter(Shape.of(4, 1), new float[]{1, 2, 3, 4}),
                "up.bias", ops.parameter(Shape.of(4), new float[]{.5f, .5f, .5f, .5f}));
        long mark = ops.mark();
        FeatureMap x = new FeatureMap(ops.upload(Shape.of(1, 2, 1), new float[]{1, 10}), 1, 2);
        FeatureMap y = layers.deconv(ops, p, "up", x, 2);
        assertThat(y.height()).isEqualTo(2);
        assertThat(y.width()).isEqualTo(4);
        assertThat(ops.download(y.tokens())).containsExactly(1.5f, 2.5f, 10.5f, 20.5f, 3.5f, 4.5f, 30.5f, 40.5f);
        ops.release(mark);
    }

    @Test
    void upernetDeclaresThePaperStructure() {
        UperNetDecoder d = new UperNetDecoder(DIM, 4, CLASSES, new double[]{4, 2, 1, 0.5});
        assertThat(d.parameterShapes().keySet()).contains("psp0.conv.weight", "psp3.conv.weight",
                "psp_bottleneck.conv.weight", "lateral0.conv.weight", "fpn2.conv.weight", "fpn_bottleneck.conv.weight",
                "cls.weight", "aux.conv.conv.weight", "aux.cls.weight", "neck.up0.0.weight", "neck.up0.0.norm.weight",
                "neck.up0.1.weight", "neck.up1.0.weight");
        assertThat(d.parameterShapes()).doesNotContainKeys("neck.up1.1.weight", "neck.up2.0.weight");
        // the bottleneck fuses the level with the four pooled branches; the FPN fuse takes four levels
        assertThat(d.parameterShapes().get("psp_bottleneck.conv.weight")).isEqualTo(Shape.of(4, 9 * (DIM + 16)));
        assertThat(d.parameterShapes().get("fpn_bottleneck.conv.weight")).isEqualTo(Shape.of(4, 9 * 16));
    }
}
