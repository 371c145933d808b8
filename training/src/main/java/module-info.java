/**
 * Training on any backend: optimisers and schedules that update parameters on the device, datasets (Fashion-MNIST,
 * CIFAR, ImageFolder) with seeded augmentation, and the training loop with atomic checkpoints and exact resume.
 */
module org.vil4j.training {
    requires transitive org.vil4j.api;
    requires org.vil4j.formats;
    requires transitive org.vil4j.vil;
    requires java.desktop;

    exports org.vil4j.training;
    exports org.vil4j.training.data;
    exports org.vil4j.training.model;
}
