"""Fashion-MNIST from Debian's package, read through score_nb.data (the Makefile's test target installs it)."""
import torch
from score_nb.data import FASHION_MNIST_CLASSES, load_fashion_mnist, subset

def test_fashion_mnist_loads_as_published():
    ds = load_fashion_mnist()
    assert ds.classes == FASHION_MNIST_CLASSES
    assert ds.train_images.shape == (60000, 1, 28, 28) and ds.test_images.shape == (10000, 1, 28, 28)
    assert ds.train_images.dtype == torch.uint8
    assert torch.bincount(ds.train_labels).tolist() == [6000] * 10
    assert torch.bincount(ds.test_labels).tolist() == [1000] * 10
    assert ds.train_labels[:3].tolist() == [9, 0, 0]            # the published file starts Ankle boot, T-shirt, T-shirt
    assert 0.25 < ds.stats()[0][0] < 0.32                        # mean pixel of Fashion-MNIST is ≈ 0.286

def test_fashion_mnist_subset_is_stratified_and_seeded():
    ds = load_fashion_mnist()
    a, b = subset(ds, 30, 10, seed=0), subset(ds, 30, 10, seed=0)
    assert torch.bincount(a.train_labels).tolist() == [30] * 10
    assert torch.equal(a.train_images, b.train_images)
    assert not torch.equal(subset(ds, 30, 10, seed=1).train_images, a.train_images)
