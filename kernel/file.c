// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - regular files in a view
 *
 * Container runtimes make regular files in /dev: bind-mount targets
 * (crun's /dev/console, the placeholders of `podman --device`, LXC's
 * console and ptmx) and small data files (LXC's /dev/.lxc-boot-id). A view
 * lets its users make them as tmpfs does, with their data in the page
 * cache like ramfs, but bounded: a file's data counts against the view's
 * byte limit (the `size` mount option), in whole pages, from the moment a
 * write or truncate makes the file longer, and is given back when it
 * shrinks or goes. The pages themselves are charged to the writer's
 * memory cgroup by the page cache.
 *
 * Every page of a file lies within its charged size: only writes add
 * pages (a short write drops what it added past the end), reads never do
 * (holes read as zeroes, as shmem reads them, so a read racing a truncate
 * cannot leave a page behind the new end), and there is no mmap (a /dev
 * file needs none), fallocate or O_TMPFILE. The pages are not movable
 * (ram_aops cannot migrate them), so they are not allocated where only
 * movable pages may go. The view is noexec (SB_I_NOEXEC): they never run.
 * No file is longer than the view's byte limit (EFBIG); the superblock's
 * s_maxbytes is not that limit, since it also bounds the view's block
 * nodes (fallocate and sendfile on a loop device).
 *
 * Locking: a file's size, and with it its charge, changes only under its
 * inode lock (write, truncate); the charge is round_up(i_size, PAGE_SIZE)
 * whenever the lock is not held, and that is what the inode gives back
 * when it is destroyed. Reads take no lock, as on shmem: a writer blocked
 * on its own buffer stalls no reader.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/uio.h>

#include "compat.h"
#include "nsdevtmpfs.h"

/* The bytes a file of @size is charged: its pages. */
static unsigned long nsdev_file_charge_of(loff_t size)
{
	return round_up(size, PAGE_SIZE);
}

/*
 * nsdev_file_resize_charge - charge @inode (locked) for growing to @size
 *
 * Return: 0, or -ENOSPC when the view's byte limit does not allow it.
 */
static int nsdev_file_resize_charge(struct inode *inode, loff_t size)
{
	unsigned long now = nsdev_file_charge_of(i_size_read(inode));
	unsigned long want = nsdev_file_charge_of(size);

	lockdep_assert_held(&inode->i_rwsem);
	if (want <= now)
		return 0;
	return nsdev_view_charge_bytes(inode->i_sb, want - now);
}

/* Give back what a charge for @size holds beyond @inode's (locked) size. */
static void nsdev_file_resize_settle(struct inode *inode, loff_t size)
{
	unsigned long now = nsdev_file_charge_of(i_size_read(inode));
	unsigned long had = nsdev_file_charge_of(size);

	lockdep_assert_held(&inode->i_rwsem);
	if (had > now)
		nsdev_view_uncharge_bytes(inode->i_sb, had - now);
}

/*
 * generic_file_write_iter() with the charge: the file's new size is known
 * once generic_write_checks() has settled the position (O_APPEND) and the
 * length (s_maxbytes, RLIMIT_FSIZE). A write the limit does not allow
 * fails as a whole with ENOSPC; a short write gives back the rest.
 */
static ssize_t nsdev_file_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	loff_t max = nsdev_view_max_bytes(inode->i_sb), size;
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	/* No file is longer than the view's bytes: as s_maxbytes would. */
	if (iocb->ki_pos >= max) {
		ret = -EFBIG;
		goto out;
	}
	iov_iter_truncate(from, max - iocb->ki_pos);
	/* Both at most the view's byte limit (256 MiB): no overflow. */
	size = max_t(loff_t, i_size_read(inode),
		     iocb->ki_pos + iov_iter_count(from));
	ret = nsdev_file_resize_charge(inode, size);
	if (ret)
		goto out;
	ret = __generic_file_write_iter(iocb, from);
	/*
	 * A short write (a fault in the caller's buffer) may have added a
	 * page past the new end: drop it before the charge for it goes.
	 */
	if (i_size_read(inode) < size)
		truncate_pagecache(inode, i_size_read(inode));
	nsdev_file_resize_settle(inode, size);
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/* Truncation: the VFS holds the inode lock (notify_change()). */
static int nsdev_file_setattr(nsdev_idmap_t *idmap, struct dentry *dentry,
			      struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	loff_t old = i_size_read(inode);
	int ret;

	if (!(attr->ia_valid & ATTR_SIZE) || attr->ia_size == old)
		return simple_setattr(idmap, dentry, attr);
	/* No file is longer than the view's bytes (and RLIMIT_FSIZE). */
	if (attr->ia_size > nsdev_view_max_bytes(inode->i_sb))
		return -EFBIG;
	ret = inode_newsize_ok(inode, attr->ia_size);
	if (ret)
		return ret;
	ret = nsdev_file_resize_charge(inode, attr->ia_size);
	if (ret)
		return ret;
	ret = simple_setattr(idmap, dentry, attr);
	/* Shrunk: give back the pages; failed to grow: the new charge. */
	nsdev_file_resize_settle(inode, max(old, attr->ia_size));
	return ret;
}

static const struct inode_operations nsdev_file_iops = {
	.setattr	= nsdev_file_setattr,
};

/*
 * Read what the page cache has and zeroes for the holes, as shmem does,
 * never adding a page: a read that raced past i_size with a truncate
 * would otherwise leave an unevictable page behind the new end, which
 * nothing charges.
 */
static ssize_t nsdev_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct address_space *mapping = iocb->ki_filp->f_mapping;
	struct inode *inode = mapping->host;
	ssize_t done = 0;

	while (iov_iter_count(to)) {
		loff_t size = i_size_read(inode), pos = iocb->ki_pos;
		pgoff_t index = pos >> PAGE_SHIFT;
		size_t offset, nr, copied;
		struct folio *folio;

		if (pos >= size)
			break;
		folio = filemap_get_folio(mapping, index);
		/* 6.1 says NULL for a hole, later kernels ERR_PTR(-ENOENT). */
		if (IS_ERR(folio))
			folio = NULL;
		/*
		 * A page a write is still filling is not uptodate, and may
		 * hold what its last user left (write_begin zeroes only what
		 * a write does not cover): it reads as the hole it was.
		 * folio_test_uptodate() orders the data after the flag.
		 */
		if (folio && !folio_test_uptodate(folio)) {
			folio_put(folio);
			folio = NULL;
		}
		offset = pos & (PAGE_SIZE - 1);
		nr = min_t(loff_t, PAGE_SIZE - offset, size - pos);
		if (folio) {
			/* A page: folios here are single pages (no large folios). */
			copied = copy_page_to_iter(folio_file_page(folio, index),
						   offset, nr, to);
			folio_put(folio);
		} else {
			copied = iov_iter_zero(nr, to);
		}
		done += copied;
		iocb->ki_pos += copied;
		if (copied < nr) {
			if (!done)
				return -EFAULT;
			break;
		}
		cond_resched();
	}
	file_accessed(iocb->ki_filp);
	return done;
}

static const struct file_operations nsdev_file_fops = {
	.read_iter	= nsdev_file_read_iter,
	.write_iter	= nsdev_file_write_iter,
	.splice_read	= nsdev_copy_splice_read,
	.splice_write	= iter_file_splice_write,
	.llseek		= generic_file_llseek,
	.fsync		= noop_fsync,
};

/**
 * nsdev_file_init - make a new, empty inode a regular file of a view
 * @inode: the inode, not yet linked
 *
 * Its pages are never written back or reclaimed (ramfs's rule): they are
 * the only copy of the data, and what they cost is bounded by the charge.
 */
void nsdev_file_init(struct inode *inode)
{
	inode->i_op = &nsdev_file_iops;
	inode->i_fop = &nsdev_file_fops;
	inode->i_mapping->a_ops = &ram_aops;
	mapping_set_unevictable(inode->i_mapping);
	/* Not movable: ram_aops has no ->migrate_folio. */
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
}

/**
 * nsdev_file_charged - what a regular file of a view is charged
 * @inode: the inode, unlocked or unreachable (destroyed)
 *
 * Return: the bytes of the view's limit its data holds.
 */
unsigned long nsdev_file_charged(const struct inode *inode)
{
	return nsdev_file_charge_of(inode->i_size);
}
