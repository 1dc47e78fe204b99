"""zbuf.zarr's own tests: what zbuf serves, the errors it gives, and what it leaves to NumPy.

unittest, so that they run in a venv with only zarr (CTest: python/CMakeLists.txt) as well as under pytest (the
wheel tier: scripts/wheel-check). ZBUF_LIBRARY names the libzbuf to use when zbuf is not installed.
"""
import copy
import os
import pickle
import subprocess
import sys
import unittest

import numpy as np
import zarr
from zarr.core.buffer import core

import zbuf.zarr
from zbuf import _capi
from zbuf.zarr import cpu


def served(op, by="zbuf"):
    return zbuf.zarr.stats()[by].get(op, 0)


class BufferTest(unittest.TestCase):
    def setUp(self):
        zbuf.zarr.reset_stats()

    def test_bytes_round_trip_in_zbuf_memory(self):
        b = cpu.Buffer.from_bytes(b"hello zbuf")
        self.assertEqual(b.to_bytes(), b"hello zbuf")
        # The NumPy array Zarr sees is a view of zbuf's memory, not a copy.
        self.assertEqual(b.as_numpy_array().__array_interface__["data"][0],
                         _capi.lib.zbuf_buffer_data(b._handle().ptr))
        self.assertEqual(served("Buffer.from_bytes"), 1)
        self.assertEqual(served("Buffer.to_bytes"), 1)

    def test_slice_shares_and_combine_copies(self):
        b = cpu.Buffer.from_bytes(bytes(range(10)))
        part = b[2:5]
        self.assertEqual(part.to_bytes(), bytes([2, 3, 4]))
        self.assertTrue(np.shares_memory(part.as_numpy_array(), b.as_numpy_array()))
        both = part.combine([cpu.Buffer.from_bytes(b"xy")])
        self.assertEqual(both.to_bytes(), bytes([2, 3, 4]) + b"xy")
        self.assertFalse(np.shares_memory(both.as_numpy_array(), b.as_numpy_array()))

    def test_read_only_memory_refuses_writes(self):
        b = cpu.Buffer(np.frombuffer(b"abc", dtype="B"))  # a view of immutable bytes, wrapped as it is
        with self.assertRaisesRegex(ValueError, "read-only"):
            b[0:1] = np.array([1], dtype="B")
        self.assertEqual(b[1:3].to_bytes(), b"bc")
        with self.assertRaisesRegex(ValueError, "read-only"):
            b[1:3][0:1] = np.array([1], dtype="B")  # a slice of read-only memory is read-only too
        self.assertEqual(b.to_bytes(), b"abc")

    def test_strided_slice_key_is_refused(self):
        b = cpu.Buffer.from_bytes(b"abcdef")
        with self.assertRaises(ValueError):
            b[0:4:2]

    def test_strided_array_is_refused(self):
        with self.assertRaisesRegex(ValueError, "contiguous"):
            cpu.Buffer(np.arange(8, dtype="B")[::2])

    def test_equality_by_contents(self):
        self.assertEqual(cpu.Buffer.from_bytes(b"ab"), cpu.Buffer.from_bytes(b"ab"))
        self.assertNotEqual(cpu.Buffer.from_bytes(b"ab"), cpu.Buffer.from_bytes(b"ac"))


class NDBufferTest(unittest.TestCase):
    def setUp(self):
        zbuf.zarr.reset_stats()

    def test_create_fill_and_setitem(self):
        nd = cpu.NDBuffer.create(shape=(3, 4), dtype="f8", fill_value=1.5)
        nd[1, 1:3] = 7.0
        want = np.full((3, 4), 1.5)
        want[1, 1:3] = 7.0
        np.testing.assert_array_equal(nd.as_numpy_array(), want)
        self.assertEqual(served("NDBuffer.create"), 1)
        self.assertEqual(served("NDBuffer.__setitem__"), 1)

    def test_bad_order_is_refused(self):
        with self.assertRaisesRegex(ValueError, "order must be 'C' or 'F'"):
            cpu.NDBuffer.create(shape=(2,), dtype="i4", order="Q")

    def test_as_scalar_needs_one_element(self):
        self.assertEqual(cpu.NDBuffer.create(shape=(1, 1), dtype="i2", fill_value=-3).as_scalar(), -3)
        with self.assertRaisesRegex(ValueError, "single scalar"):
            cpu.NDBuffer.create(shape=(2,), dtype="i2").as_scalar()

    def test_all_equal_scalar_and_array(self):
        nd = cpu.NDBuffer.from_numpy_array(np.array([[0.0, -0.0]]))
        self.assertTrue(nd.all_equal(np.array([0.0, -0.0])))
        self.assertFalse(nd.all_equal(0.0))  # -0.0 differs from +0.0 by bit pattern, as Zarr compares fill values
        self.assertEqual(served("NDBuffer.all_equal"), 2)
        with self.assertRaisesRegex(ValueError, r"\[zbuf EINVAL\]"):
            nd.all_equal(np.zeros((3, 2)))  # does not broadcast to (1, 2)

    def test_read_only_view_refuses_writes(self):
        source = np.arange(6, dtype="i4")
        source.flags.writeable = False
        nd = cpu.NDBuffer.from_numpy_array(source)
        for write in (lambda: nd.__setitem__(0, 1), lambda: nd.fill(3)):
            with self.assertRaisesRegex(ValueError, "read-only"):
                write()
        np.testing.assert_array_equal(source, np.arange(6))

    def test_zbuf_errors_name_the_status(self):
        nd = cpu.NDBuffer.create(shape=(2, 3), dtype="u1")
        with self.assertRaisesRegex(ValueError, r"\[zbuf EINVAL\]"):
            nd.transpose((0, 0))
        with self.assertRaises(IndexError):
            nd[5]

    def test_what_zbuf_lacks_goes_to_numpy_and_is_counted(self):
        nd = cpu.NDBuffer.create(shape=(2,), dtype="U3", fill_value="ab")
        self.assertEqual(list(nd.as_numpy_array()), ["ab", "ab"])
        picked = cpu.NDBuffer.create(shape=(4,), dtype="i8")[np.array([0, 2])]  # advanced indexing
        self.assertEqual(picked.as_numpy_array().shape, (2,))
        self.assertEqual(served("NDBuffer.create", "numpy"), 1)
        self.assertEqual(served("NDBuffer.__getitem__", "numpy"), 1)


class PickleTest(unittest.TestCase):
    """Buffers pickle and copy by value (Xarray pickles datasets over a MemoryStore of them); a zbuf reference
    never travels, which once released the same memory twice and aborted the process."""

    def test_buffer_and_ndbuffer_round_trip(self):
        b = cpu.Buffer.from_bytes(b"pickled")
        nd = cpu.NDBuffer.create(shape=(2, 3), dtype="i8", fill_value=7)
        for make_copy in (lambda x: pickle.loads(pickle.dumps(x)), copy.deepcopy):
            b2, nd2 = make_copy(b), make_copy(nd)
            self.assertIsInstance(b2, cpu.Buffer)
            self.assertEqual(b2.to_bytes(), b"pickled")
            self.assertFalse(np.shares_memory(b2.as_numpy_array(), b.as_numpy_array()))
            np.testing.assert_array_equal(nd2.as_numpy_array(), np.full((2, 3), 7))
            nd2[0, 0] = 1  # writable, and its own memory
            self.assertEqual(int(nd.as_numpy_array()[0, 0]), 7)
            del b2, nd2  # each releases only what it holds

    def test_shallow_copy_shares_the_memory(self):
        nd = cpu.NDBuffer.create(shape=(4,), dtype="u2")
        alias = copy.copy(nd)
        alias[1] = 9
        self.assertEqual(int(nd.as_numpy_array()[1]), 9)

    def test_a_handle_refuses_pickle_and_copy(self):
        h = cpu.Buffer.from_bytes(b"x")._handle()
        for attempt in (pickle.dumps, copy.copy):
            with self.assertRaisesRegex(TypeError, "cannot be pickled or copied"):
                attempt(h)


class ZarrTest(unittest.TestCase):
    def test_enable_makes_arrays_use_zbuf(self):
        zbuf.zarr.reset_stats()
        with zbuf.zarr.enable():
            self.assertIs(core.default_buffer_prototype().nd_buffer, cpu.NDBuffer)
            data = np.arange(1000, dtype="i4").reshape(10, 100)
            a = zarr.create_array(store={}, shape=data.shape, chunks=(5, 50), dtype="i4")
            a[:] = data
            np.testing.assert_array_equal(a[2:7, 10:90], data[2:7, 10:90])
        self.assertIsNot(core.default_buffer_prototype().nd_buffer, cpu.NDBuffer)
        self.assertGreater(sum(zbuf.zarr.stats()["zbuf"].values()), 0)

    def test_enable_refuses_an_unknown_kind(self):
        with self.assertRaisesRegex(ValueError, "kind must be one of cpu, gpu"):
            zbuf.zarr.enable("tpu")


class LibraryTest(unittest.TestCase):
    def test_missing_library_fails_at_first_use_not_at_import(self):
        code = ("import zbuf.zarr.cpu as c\n"
                "try:\n    c.Buffer.from_bytes(b'x')\nexcept ImportError as e:\n    print('ImportError', e)\n")
        env = dict(os.environ, ZBUF_LIBRARY="/nonexistent/libzbuf.so")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        self.assertIn("ImportError zbuf: cannot load /nonexistent/libzbuf.so", out.stdout)

    def test_ctypes_status_mapping(self):
        err = _capi.Error(3, b"bad dtype")
        with self.assertRaisesRegex(TypeError, r"bad dtype \[zbuf ETYPE\]"):
            _capi.check(3, err)
        _capi.check(0, _capi.Error())  # OK raises nothing


if __name__ == "__main__":
    unittest.main()
